import { createContext, useContext } from 'react';
import type { Me } from './permissions';
import type { AppRoute } from './route-types';

/** The route being shown, and the navigation this user may use; both provided by the shell. */
export const CurrentRouteContext = createContext<AppRoute | undefined>(undefined);
export const NavRoutesContext = createContext<AppRoute[]>([]);

/** The route being shown (its title, nav label). */
export function useCurrentRoute(): AppRoute | undefined {
  return useContext(CurrentRouteContext);
}

/** The routes in the main navigation that the signed-in user may open. */
export function useNavRoutes(): AppRoute[] {
  return useContext(NavRoutesContext);
}

/** The routes with a nav label that this user may open, in declaration order. */
export function navRoutesFor(routes: AppRoute[], me: Me): AppRoute[] {
  return routes.filter((route) => route.nav && (!route.allowed || route.allowed(me)));
}
