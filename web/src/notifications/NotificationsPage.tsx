import { useId, useRef, useState } from 'react';
import { Link, useApi, useI18n, useUnreadRefresh, type Schemas } from '../reviews/wiring';
import { formatMoment, Notice, problemText, unwrap, useLoad } from '../reviews/shared';
import '../reviews/reviews.css';
import { appLinkOf } from './links';

type Filter = 'unread' | 'all';
type Notification = Schemas['NotificationDto'];

/** /admin/notifications: the user's in-app notifications, unread or all, mark one or all as read. */
export default function NotificationsPage() {
  const api = useApi();
  const { t, locale } = useI18n();
  const [filter, setFilter] = useState<Filter>('unread');
  const [tick, setTick] = useState(0);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string }>();
  const [busy, setBusy] = useState(false);
  const filterName = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const refreshBell = useUnreadRefresh();

  const list = useLoad(async () => unwrap(await api.GET('/api/notifications', { params: { query: { filter } } })), `${filter}:${tick}`);
  const unread = useLoad(async () => unwrap(await api.GET('/api/notifications/unread-count')).unread, `count:${tick}`);

  const changed = () => {
    setTick((n) => n + 1);
    refreshBell();
  };

  const markRead = async (notification: Notification, focusAfter: HTMLElement | null) => {
    setBusy(true);
    setMessage(undefined);
    try {
      const result = await api.POST('/api/notifications/{id}/read', { params: { path: { id: notification.id } } });
      if (!result.response.ok) unwrap(result);
      setMessage({ kind: 'success', text: t('notifications.markedOne') });
      changed();
      // The row may disappear (unread filter): keep the keyboard user somewhere sensible.
      (focusAfter ?? headingRef.current)?.focus();
    } catch (failure) {
      setMessage({ kind: 'error', text: problemText(failure, t('notifications.failed')) });
    } finally {
      setBusy(false);
    }
  };

  const markAll = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const { marked } = unwrap(await api.POST('/api/notifications/read-all'));
      setMessage({ kind: 'success', text: t('notifications.markedAll', { count: marked }) });
      changed();
    } catch (failure) {
      setMessage({ kind: 'error', text: problemText(failure, t('notifications.failed')) });
    } finally {
      setBusy(false);
    }
  };

  const count = unread.data;
  const items = list.data ?? [];
  return (
    <section className="w3-page" aria-labelledby="notifications-title">
      <h1 id="notifications-title" ref={headingRef} tabIndex={-1}>
        {t('notifications.title')}
      </h1>
      <p className="w3-count" aria-live="polite">
        {count === undefined ? '' : count === 0 ? t('notifications.unreadCount.none') : count === 1 ? t('notifications.unreadCount.one') : t('notifications.unreadCount', { count })}
      </p>

      <div className="w3-toolbar">
        <fieldset className="w3-segmented">
          <legend>{t('notifications.show')}</legend>
          {(['unread', 'all'] as Filter[]).map((value) => (
            <label key={value}>
              <input type="radio" name={filterName} value={value} checked={filter === value} onChange={() => setFilter(value)} />
              {t(`notifications.${value}`)}
            </label>
          ))}
        </fieldset>
        <button type="button" onClick={() => void markAll()} disabled={busy || count === 0}>
          {t('notifications.markAllRead')}
        </button>
      </div>

      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {list.error ? <Notice kind="error">{problemText(list.error, t('notifications.loadFailed'))}</Notice> : null}
      {list.loading && !list.data ? <p role="status">{t('notifications.loading')}</p> : null}
      {list.data && items.length === 0 ? <p>{filter === 'unread' ? t('notifications.empty.unread') : t('notifications.empty.all')}</p> : null}
      {items.length > 0 ? (
        <ul className="w3-notifications">
          {items.map((notification) => {
            const target = appLinkOf(notification.link);
            return (
              <li key={notification.id} className={notification.readAt ? 'w3-read' : 'w3-unread'}>
                <div className="w3-notification-main">
                  <span className={notification.readAt ? 'w3-tag' : 'w3-tag w3-tag-new'}>{notification.readAt ? t('notifications.read') : t('notifications.new')}</span>{' '}
                  {target ? <Link to={target}>{notification.title}</Link> : <span>{notification.title}</span>}
                  <span className="w3-muted w3-block">
                    <time dateTime={notification.createdAt}>{formatMoment(notification.createdAt, locale)}</time>
                  </span>
                </div>
                {notification.readAt ? null : (
                  <button
                    type="button"
                    disabled={busy}
                    onClick={(event) => {
                      const row = event.currentTarget.closest('li');
                      const next = (row?.nextElementSibling ?? row?.previousElementSibling)?.querySelector<HTMLElement>('a, button') ?? null;
                      void markRead(notification, next);
                    }}
                  >
                    {t('notifications.markRead')}
                    {/* Named "Mark as read: <title>": the visible words first, so speech users can say them (WCAG 2.5.3). */}
                    <span className="visually-hidden">: {notification.title}</span>
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
      {items.length >= 100 ? <p className="w3-muted">{t('notifications.limit')}</p> : null}
    </section>
  );
}
