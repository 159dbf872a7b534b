import { useId, useState, type FormEvent } from 'react';
import { Link, useApi, useI18n, useSearchParams } from '../reviews/wiring';
import { Notice, problemText, unwrap, useLoad } from '../reviews/shared';
import '../reviews/reviews.css';

type Status = 'active' | 'deleted' | 'all';
const STATUSES: Status[] = ['active', 'deleted', 'all'];
const PAGE_SIZE = 50;

/** /admin/users: find a user in scope (search and status in the query string), then open their certificates. */
export default function UsersPage() {
  const api = useApi();
  const { t } = useI18n();
  const [query, setQuery] = useSearchParams();
  const search = query.get('search') ?? '';
  const status = (STATUSES as string[]).includes(query.get('status') ?? '') ? (query.get('status') as Status) : 'active';
  const [draft, setDraft] = useState(search);
  const ids = { search: useId(), status: useId() };

  const users = useLoad(
    async () => unwrap(await api.GET('/api/users', { params: { query: { ...(search ? { search } : {}), status, pageSize: PAGE_SIZE } } })),
    `${search}|${status}`,
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setQuery({ ...(draft.trim() ? { search: draft.trim() } : {}), ...(status !== 'active' ? { status } : {}) });
  };

  return (
    <section className="w3-page" aria-labelledby="users-title">
      <h1 id="users-title">{t('users.title')}</h1>
      <p className="w3-lead">{t('users.intro')}</p>
      <form className="w3-toolbar" role="search" onSubmit={submit}>
        <div className="w3-field">
          <label htmlFor={ids.search}>{t('users.search')}</label>
          <input id={ids.search} type="search" value={draft} onChange={(event) => setDraft(event.target.value)} autoComplete="off" />
        </div>
        <div className="w3-field w3-field-narrow">
          <label htmlFor={ids.status}>{t('users.status')}</label>
          <select
            id={ids.status}
            value={status}
            onChange={(event) => setQuery({ ...(search ? { search } : {}), ...(event.target.value !== 'active' ? { status: event.target.value } : {}) })}
          >
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`users.status.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="w3-primary w3-align-end">
          {t('users.searchButton')}
        </button>
      </form>

      {users.error ? <Notice kind="error">{problemText(users.error, t('people.loadFailed'))}</Notice> : null}
      {users.loading && !users.data ? <p role="status">{t('people.loading')}</p> : null}
      {users.data ? (
        <>
          <p className="w3-count" aria-live="polite">
            {t('users.count', { total: users.data.meta.total })}
          </p>
          {users.data.items.length === 0 ? (
            <p>{t('users.none')}</p>
          ) : (
            <div className="w3-table-wrap">
              <table className="w3-table">
                <thead>
                  <tr>
                    <th scope="col">{t('users.col.name')}</th>
                    <th scope="col">{t('users.col.email')}</th>
                    <th scope="col">{t('users.col.code')}</th>
                    <th scope="col">{t('users.col.groups')}</th>
                    <th scope="col">{t('users.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.items.map((user) => {
                    const name = `${user.firstName} ${user.lastName}`.trim() || user.email;
                    return (
                      <tr key={user.id}>
                        <th scope="row">
                          <Link to={`/admin/users/${user.id}`} aria-label={t('users.open', { name })}>
                            {name}
                          </Link>
                        </th>
                        <td>{user.email}</td>
                        <td>{user.userCode ?? ''}</td>
                        <td>{user.groups.map((group) => group.name).join(', ')}</td>
                        <td>{t(`users.status.${user.status}`)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {users.data.meta.total > users.data.items.length ? <p className="w3-muted">{t('people.more', { shown: users.data.items.length, total: users.data.meta.total })}</p> : null}
        </>
      ) : null}
    </section>
  );
}
