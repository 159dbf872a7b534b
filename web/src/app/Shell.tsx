import { Suspense, useEffect, useMemo, useRef } from 'react';
import { routes } from '../routes';
import { useAuth, useMe } from './auth';
import { CurrentRouteContext, navRoutesFor, NavRoutesContext } from './current-route';
import { ErrorBoundary } from './ErrorBoundary';
import { useLocale, useMessages } from './i18n';
import { LanguageSwitch } from './LanguageSwitch';
import { shellMessages } from './messages';
import { isChunkLoadError } from './new-version';
import { ResumeSessionDialog } from './ResumeSessionDialog';
import type { AppRoute } from './route-types';
import { Link, matchPath, ParamsProvider, useLocation } from './router';
import { UnreadNotificationsProvider, useUnreadNotifications } from './unread-notifications';

/** The signed-in layout: skip link, header (navigation, unread notifications, language, sign out) and the screen. */
export function Shell() {
  return (
    <UnreadNotificationsProvider>
      <ShellLayout />
    </UnreadNotificationsProvider>
  );
}

function findRoute(pathname: string): { route: AppRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    const match = matchPath(route.path, pathname);
    if (match) return { route, params: match.params };
  }
  return undefined;
}

function ShellLayout() {
  const t = useMessages(shellMessages);
  const me = useMe();
  const { signOut, expired } = useAuth();
  const { language } = useLocale();
  const { pathname } = useLocation();
  const found = findRoute(pathname);
  const allowed = found && (!found.route.allowed || found.route.allowed(me));
  const nav = useMemo(() => navRoutesFor(routes, me), [me]);
  const main = useRef<HTMLElement>(null);

  const title = found ? (allowed ? found.route.title[language] : t('forbiddenTitle')) : t('notFoundTitle');
  useEffect(() => {
    document.title = `${title} · ${t('appName')}`;
  }, [title, t]);

  // After signing in and after every navigation, move focus to the new screen so keyboard and screen-reader
  // users start there (the next Tab goes into the screen; the skip link and the header come before it).
  useEffect(() => {
    main.current?.focus();
  }, [pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="shell-header">
        <Link to="/admin" className="brand">
          {t('appName')}
        </Link>
        <nav aria-label={t('mainNav')} className="main-nav">
          <ul>
            {nav.map((route) => {
              const current = pathname === route.path || pathname.startsWith(`${route.path}/`);
              return (
                <li key={route.path}>
                  <Link to={route.path} aria-current={current ? 'page' : undefined}>
                    {route.nav![language]}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="header-tools">
          <UnreadBadge />
          <LanguageSwitch />
          <span className="who" title={me.email}>
            {t('signedInAs', { name: me.displayName })}
          </span>
          <button type="button" onClick={() => signOut('signed-out')}>
            {t('signOut')}
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="shell-main">
        <ErrorBoundary
          resetKey={pathname}
          fallback={(error, reset) =>
            // A screen of a version that is gone (a deploy since the page loaded): trying again fetches the same
            // missing file, only a reload brings the new version.
            isChunkLoadError(error) ? (
              <div role="alert">
                <h1>{t('newVersionTitle')}</h1>
                <p>{t('newVersion')}</p>
                <button type="button" onClick={() => window.location.reload()}>
                  {t('reload')}
                </button>
              </div>
            ) : (
              <div role="alert">
                <h1>{t('errorTitle')}</h1>
                <p>{error.message}</p>
                <button type="button" onClick={reset}>
                  {t('retry')}
                </button>
              </div>
            )
          }
        >
          {!found ? (
            <>
              <h1>{t('notFoundTitle')}</h1>
              <p>{t('notFound')}</p>
              <Link to="/admin">{t('backHome')}</Link>
            </>
          ) : !allowed ? (
            <>
              <h1>{t('forbiddenTitle')}</h1>
              <p>{t('forbidden')}</p>
              <Link to="/admin">{t('backHome')}</Link>
            </>
          ) : (
            <NavRoutesContext.Provider value={nav}>
              <CurrentRouteContext.Provider value={found.route}>
                <ParamsProvider params={found.params}>
                  <Suspense fallback={<p role="status">{t('loading')}</p>}>
                    <found.route.component key={found.route.path} />
                  </Suspense>
                </ParamsProvider>
              </CurrentRouteContext.Provider>
            </NavRoutesContext.Provider>
          )}
        </ErrorBoundary>
      </main>
      {expired && <ResumeSessionDialog />}
    </div>
  );
}

function UnreadBadge() {
  const t = useMessages(shellMessages);
  const { count } = useUnreadNotifications();
  // A bell with the count. Its name is "Notifications" (+ "3 unread"), which contains the visible count (WCAG 2.5.3).
  return (
    <Link to="/admin/notifications" className="unread" data-testid="unread-link" title={count ? t('unreadCount', { count }) : t('unreadNone')}>
      <svg className="bell" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      <span className="visually-hidden">{t('notifications')}</span>
      {count ? (
        <>
          <span className="badge" data-testid="unread-count">
            {count > 99 ? '99+' : count}
          </span>
          <span className="visually-hidden"> {t('unread')}</span>
        </>
      ) : null}
    </Link>
  );
}
