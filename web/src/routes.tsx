import { lazy } from 'react';
import { can, canImport, canReview } from './app/permissions';
import type { AppRoute } from './app/route-types';

/** The app's screens: see AppRoute (web/src/app/route-types.ts). Owners add their lines inside their own block, so merges stay trivial. */

/** For a route whose screen is not built yet (exported so it is not an unused local once every route has its screen). */
export const Placeholder = lazy(() => import('./app/PlaceholderPage'));

export const routes: AppRoute[] = [
  // ---- shell (W1) ----
  { path: '/admin', component: lazy(() => import('./app/HomePage')), title: { en: 'Home', nl: 'Start' } },

  // ---- imports (W2) ----
  { path: '/admin/imports', component: lazy(() => import('./imports/pages').then((m) => ({ default: m.ImportLogRoute }))), title: { en: 'Imports', nl: 'Imports' }, allowed: canImport, nav: { en: 'Imports', nl: 'Imports' } },
  { path: '/admin/imports/new', component: lazy(() => import('./imports/pages').then((m) => ({ default: m.NewImportRoute }))), title: { en: 'New import', nl: 'Nieuwe import' }, allowed: canImport },
  { path: '/admin/imports/new/:type', component: lazy(() => import('./imports/pages').then((m) => ({ default: m.UploadRoute }))), title: { en: 'Upload', nl: 'Uploaden' }, allowed: canImport },
  { path: '/admin/imports/:id', component: lazy(() => import('./imports/pages').then((m) => ({ default: m.ImportRoute }))), title: { en: 'Import', nl: 'Import' }, allowed: canImport },
  // ---- end imports ----

  // ---- reviews, people, notifications (W3) ----
  { path: '/admin/reviews', component: lazy(() => import('./reviews/ReviewsPage')), title: { en: 'Reviews', nl: 'Beoordelingen' }, allowed: canReview, nav: { en: 'Reviews', nl: 'Beoordelingen' } },
  { path: '/admin/reviews/:id', component: lazy(() => import('./reviews/ReviewTaskPage')), title: { en: 'Review', nl: 'Beoordeling' }, allowed: canReview },
  { path: '/admin/users', component: lazy(() => import('./people/UsersPage')), title: { en: 'Users', nl: 'Gebruikers' }, allowed: (me) => can(me, 'users.read'), nav: { en: 'Users', nl: 'Gebruikers' } },
  { path: '/admin/users/:id', component: lazy(() => import('./people/UserCertificatesPage')), title: { en: 'User', nl: 'Gebruiker' }, allowed: (me) => can(me, 'users.read') },
  { path: '/admin/my-certificates', component: lazy(() => import('./people/UserCertificatesPage')), title: { en: 'My certificates', nl: 'Mijn certificaten' }, nav: { en: 'My certificates', nl: 'Mijn certificaten' } },
  { path: '/admin/notifications', component: lazy(() => import('./notifications/NotificationsPage')), title: { en: 'Notifications', nl: 'Meldingen' }, nav: { en: 'Notifications', nl: 'Meldingen' } },
  // ---- end reviews, people, notifications ----
];
