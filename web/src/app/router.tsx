import { createContext, useContext, useEffect, useMemo, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

/**
 * A small client-side router (history API) for the app's few routes, so the app needs no router package.
 * Routes are declared in web/src/routes.tsx. Paths are absolute, under /admin.
 *
 *   <Link to="/admin/imports/42">…</Link>      navigate('/admin/imports?status=failed')
 *   const { id } = useParams();                 const { pathname, search } = useLocation();
 *   const [query, setQuery] = useSearchParams();
 */
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
const snapshot = () => location.pathname + location.search;

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

export function useLocation(): { pathname: string; search: string } {
  const current = useSyncExternalStore(subscribe, snapshot);
  return useMemo(() => {
    const url = new URL(current, location.origin);
    return { pathname: url.pathname, search: url.search };
  }, [current]);
}

/** The query string as URLSearchParams, and a setter that replaces it (keeping the path). */
export function useSearchParams(): [URLSearchParams, (next: URLSearchParams | Record<string, string>, options?: { replace?: boolean }) => void] {
  const { pathname, search } = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const set = (next: URLSearchParams | Record<string, string>, options: { replace?: boolean } = {}) => {
    const query = new URLSearchParams(next).toString();
    navigate(pathname + (query ? `?${query}` : ''), options);
  };
  return [params, set];
}

export interface Match {
  params: Record<string, string>;
}

/** '/admin/imports/:id' → a matcher; parameters match one path segment and are URI-decoded. */
export function matchPath(pattern: string, pathname: string): Match | undefined {
  const names: string[] = [];
  const source = pattern
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const found = new RegExp(`^${source}/?$`).exec(pathname);
  if (!found) return undefined;
  return { params: Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1]!)])) };
}

const ParamsContext = createContext<Record<string, string>>({});

export function ParamsProvider({ params, children }: { params: Record<string, string>; children: ReactNode }) {
  return <ParamsContext.Provider value={params}>{children}</ParamsContext.Provider>;
}

/** The current route's parameters (`:id` → `useParams().id`). */
export function useParams<T extends Record<string, string> = Record<string, string>>(): T {
  return useContext(ParamsContext) as T;
}

/** An anchor that navigates in the app; modified clicks (new tab, …) keep the browser's behaviour. */
export function Link({ to, onClick, ...rest }: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || rest.target) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

/** Runs `effect` after every navigation (path or query change). */
export function useOnNavigation(effect: () => void) {
  const { pathname, search } = useLocation();
  useEffect(effect, [pathname, search]);
}
