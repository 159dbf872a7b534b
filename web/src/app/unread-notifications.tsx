import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from './api';
import { useLocation } from './router';

/**
 * The unread notifications count (GET /api/notifications/unread-count), shown in the header. Refreshed on every
 * navigation and gently polled (every POLL_MS while the tab is visible, and when it becomes visible again).
 * Screens that change it (marking notifications read) call `refresh()` from `useUnreadNotifications()`.
 */
export const POLL_MS = 60_000;

interface UnreadValue {
  count: number | undefined;
  refresh(): void;
}

const UnreadContext = createContext<UnreadValue>({ count: undefined, refresh: () => {} });

export function UnreadNotificationsProvider({ children }: { children: ReactNode }) {
  const [count, setCount] = useState<number>();
  const { pathname } = useLocation();

  const refresh = useCallback(() => {
    api.GET('/api/notifications/unread-count').then(
      ({ data }) => {
        if (data) setCount(data.unread);
      },
      () => {}, // offline for a moment: keep the last count
    );
  }, []);

  useEffect(refresh, [pathname, refresh]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, POLL_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh]);

  const value = useMemo(() => ({ count, refresh }), [count, refresh]);
  return <UnreadContext.Provider value={value}>{children}</UnreadContext.Provider>;
}

export function useUnreadNotifications(): UnreadValue {
  return useContext(UnreadContext);
}
