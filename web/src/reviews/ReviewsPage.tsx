import { useId, useState } from 'react';
import { Link, useApi, useI18n, type Schemas } from './wiring';
import { formatDay, formatMoment, Notice, problemText, unwrap, useLoad } from './shared';
import './reviews.css';

type ReviewState = 'pending' | 'validated' | 'rejected';
type Certificate = Schemas['ExternalCertificateDto'];

const STATES: ReviewState[] = ['pending', 'validated', 'rejected'];
const PAGE_SIZE = 100;

/** /admin/reviews: the reviewer's external certificates, pending first, with the count that waits. */
export default function ReviewsPage() {
  const api = useApi();
  const { t, locale } = useI18n();
  const [state, setState] = useState<ReviewState>('pending');
  const filterId = useId();

  const count = useLoad(async () => unwrap(await api.GET('/api/reviews/count')).pending, 'count');
  const list = useLoad(async () => unwrap(await api.GET('/api/reviews', { params: { query: { state, pageSize: PAGE_SIZE } } })), state);

  const pending = count.data;
  return (
    <section className="w3-page" aria-labelledby="reviews-title">
      <h1 id="reviews-title">{t('reviews.title')}</h1>
      <p className="w3-lead">{t('reviews.intro')}</p>
      <p className="w3-count" aria-live="polite">
        {pending === undefined ? '' : pending === 0 ? t('reviews.count.none') : pending === 1 ? t('reviews.count.one') : t('reviews.count', { count: pending })}
      </p>

      <div className="w3-toolbar">
        <label htmlFor={filterId}>{t('reviews.filter')}</label>
        <select id={filterId} value={state} onChange={(event) => setState(event.target.value as ReviewState)}>
          {STATES.map((value) => (
            <option key={value} value={value}>
              {t(`reviews.filter.${value}`)}
            </option>
          ))}
        </select>
      </div>

      {list.error ? <Notice kind="error">{problemText(list.error, t('reviews.loadFailed'))}</Notice> : null}
      {list.loading && !list.data ? <p role="status">{t('reviews.loading')}</p> : null}
      {list.data && list.data.items.length === 0 ? <p>{t('reviews.empty')}</p> : null}
      {list.data && list.data.items.length > 0 ? (
        <>
          {renderTable(list.data.items)}
          {list.data.meta.total > list.data.items.length ? (
            <p className="w3-muted">{t('reviews.more', { shown: list.data.items.length, total: list.data.meta.total })}</p>
          ) : null}
        </>
      ) : null}
    </section>
  );

  function renderTable(items: Certificate[]) {
    return (
      <div className="w3-table-wrap">
        <table className="w3-table">
          <thead>
            <tr>
              <th scope="col">{t('reviews.col.certificate')}</th>
              <th scope="col">{t('reviews.col.learner')}</th>
              <th scope="col">{t('reviews.col.delivered')}</th>
              <th scope="col">{t('reviews.col.submitted')}</th>
              <th scope="col">{t('reviews.col.state')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.id}>
                <th scope="row">
                  <Link to={`/admin/reviews/${item.id}`} aria-label={t('reviews.open', { name: item.name })}>
                    {item.name}
                  </Link>
                  {item.escalatedAt ? <span className="w3-tag">{t('reviews.escalated')}</span> : null}
                </th>
                <td>{item.user.name ?? ''}</td>
                <td>{formatDay(item.deliveredOn, locale)}</td>
                <td>{formatMoment(item.submittedAt, locale)}</td>
                <td>
                  <span className={`w3-state w3-state-${item.state}`}>{t(`state.${item.state}`)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
}
