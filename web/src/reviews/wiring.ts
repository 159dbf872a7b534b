import { useCallback, useMemo } from 'react';
import { api } from '../app/api';
import { format, useLocale, type Params } from '../app/i18n';
import { useUnreadNotifications } from '../app/unread-notifications';
import { notificationsMessages } from '../notifications/messages';
import { peopleMessages } from '../people/messages';
import { reviewsMessages } from './messages';

/**
 * The only place where the W3 screens (reviews/, people/, notifications/) touch the app's foundation
 * (web/src/app: typed API client, auth, i18n, router, the unread count).
 */
export type { Schemas } from '../app/api';
export { Link, useParams, useSearchParams } from '../app/router';
export { useMe } from '../app/auth';

export type Api = typeof api;

/** The typed API client (bearer token and Accept-Language added by the app). */
export function useApi(): Api {
  return api;
}

const dictionaries = [reviewsMessages, peopleMessages, notificationsMessages] as const;

/**
 * `t(key, params)` over the three W3 dictionaries (keys are distinct: reviews.*, review.*, state.*, people.*,
 * notifications.*), and the user's locale for Intl dates. An unknown key shows itself, which a test catches.
 */
export function useI18n() {
  const { language, locale } = useLocale();
  const t = useCallback(
    (key: string, params?: Params) => {
      for (const dictionary of dictionaries) {
        const texts = dictionary[language] as Readonly<Record<string, string>>;
        if (key in texts) return format(texts[key]!, params);
      }
      for (const dictionary of dictionaries) {
        const texts = dictionary.en as Readonly<Record<string, string>>;
        if (key in texts) return format(texts[key]!, params);
      }
      return key;
    },
    [language],
  );
  return useMemo(() => ({ t, locale, language }), [t, locale, language]);
}

/** Tells the header's bell that the unread count changed. */
export function useUnreadRefresh(): () => void {
  return useUnreadNotifications().refresh;
}
