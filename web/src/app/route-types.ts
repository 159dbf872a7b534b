import type { ComponentType, LazyExoticComponent } from 'react';
import type { Me } from './permissions';

/**
 * Every screen of the app, matched in order against the path (first match wins). Each screen is loaded lazily
 * (its code, styles and dictionary come in its own chunk), so the first screen stays small.
 *
 * - `path`: under /admin; `:name` matches one segment (`useParams().name`).
 * - `allowed`: who may open it (from GET /api/auth/me); others get "No access". Omitted: every signed-in user.
 * - `nav`: when set, the screen is in the main navigation (for those allowed), with this label.
 * - `title`: the page title (document.title), in both languages.
 */
export interface AppRoute {
  path: string;
  component: LazyExoticComponent<ComponentType>;
  title: { en: string; nl: string };
  allowed?: (me: Me) => boolean;
  nav?: { en: string; nl: string };
}
