import { type ReactNode } from 'react';
import { Link, useApi, useI18n, useMe, useParams } from '../reviews/wiring';
import { formatDay, formatMoment, formatNumber, Notice, problemText, unwrap, useLoad, type Loaded } from '../reviews/shared';
import { loadCredentials } from './credentials';
import '../reviews/reviews.css';

const PAGE_SIZE = 100;

/**
 * /admin/users/:id (an admin, manager or coach looking at a user in scope) and /admin/my-certificates (anyone,
 * their own): obtained certificates, external certificates with their states, licences (with licences.manage),
 * credentials and the credits total. Each part loads on its own, so one refused part does not hide the others.
 */
export default function UserCertificatesRoute() {
  const { id } = useParams<{ id?: string }>();
  return <UserCertificatesPage key={id ?? 'me'} userId={id} />;
}

export function UserCertificatesPage({ userId }: { userId?: string }) {
  const api = useApi();
  const { t, locale } = useI18n();
  const me = useMe();
  const self = !userId || userId === me.userId;
  const id = userId ?? me.userId;
  const may = (permission: string) => me.permissions.includes(permission);

  const user = useLoad(async () => {
    if (self) return { name: me.displayName, email: me.email };
    const found = unwrap(await api.GET('/api/users/{id}', { params: { path: { id } } }));
    return { name: `${found.firstName} ${found.lastName}`.trim(), email: found.email };
  }, `user:${id}:${self}`);

  const credits = useLoad(async () => unwrap(await api.GET('/api/users/{id}/credits', { params: { path: { id } } })), `credits:${id}`);
  const obtained = useLoad(async () => {
    if (!may('certificates.read')) return undefined;
    return unwrap(await api.GET('/api/obtained-certificates', { params: { query: { userId: id, pageSize: PAGE_SIZE } } }));
  }, `obtained:${id}`);
  const external = useLoad(
    async () => unwrap(await api.GET('/api/external-certificates', { params: { query: { ...(self ? {} : { userId: id }), pageSize: PAGE_SIZE } } })),
    `external:${id}:${self}`,
  );
  const licences = useLoad(async () => {
    if (!may('licences.manage') || self) return undefined;
    return unwrap(await api.GET('/api/licences', { params: { query: { userId: id, pageSize: PAGE_SIZE } } }));
  }, `licences:${id}`);
  const email = user.data?.email;
  const credentials = useLoad(async () => {
    if (self) return loadCredentials(api, { self: true });
    if (!may('credentials.manage')) return { available: false as const, reason: 'forbidden' as const };
    if (!email) return undefined;
    return loadCredentials(api, { self: false, email });
  }, `credentials:${id}:${email ?? ''}`);

  const title = self ? t('people.myTitle') : user.data ? t('people.title', { name: user.data.name }) : t('people.loading');
  if (user.error) {
    const status = (user.error as { status?: number }).status;
    return (
      <section className="w3-page">
        <h1>{t('people.myTitle')}</h1>
        <Notice kind="error">{status === 404 || status === 403 ? t('people.notFound') : problemText(user.error, t('people.loadFailed'))}</Notice>
      </section>
    );
  }

  return (
    <section className="w3-page" aria-labelledby="people-title">
      <h1 id="people-title">{title}</h1>
      {user.data && !self ? (
        <p className="w3-lead">
          {t('people.email')}: {user.data.email}
        </p>
      ) : null}

      <Part title={t('people.credits')} id="people-credits" loaded={credits}>
        {(data) => (
          <>
            <p className="w3-count">{t('people.credits.total', { total: formatNumber(data.total, locale) })}</p>
            {data.certificates.length > 0 ? (
              <ul>
                {data.certificates.map((line) => (
                  <li key={line.externalCertificateId}>
                    {line.name}: {formatNumber(line.credits, locale)} ({formatMoment(line.validatedAt, locale)})
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        )}
      </Part>

      {may('certificates.read') ? (
        <Part title={t('people.obtained')} id="people-obtained" loaded={obtained}>
          {(data) =>
            !data || data.items.length === 0 ? (
              <p>{t('people.none')}</p>
            ) : (
              <Table
                headers={[t('people.obtained.definition'), t('people.obtained.number'), t('people.obtained.date'), t('people.obtained.expires'), t('people.obtained.source')]}
                more={data.meta.total > data.items.length ? t('people.more', { shown: data.items.length, total: data.meta.total }) : undefined}
              >
                {data.items.map((item) => (
                  <tr key={item.id}>
                    <th scope="row">
                      {item.definitionName} <span className="w3-muted">({item.definitionCode})</span>
                    </th>
                    <td>{item.number ?? ''}</td>
                    <td>{formatDay(item.dateObtained, locale)}</td>
                    <td>{item.dateExpires ? formatDay(item.dateExpires, locale) : t('people.obtained.noExpiry')}</td>
                    <td>{t(`source.${item.source}`)}</td>
                  </tr>
                ))}
              </Table>
            )
          }
        </Part>
      ) : null}

      <Part title={t('people.external')} id="people-external" loaded={external}>
        {(data) =>
          data.items.length === 0 ? (
            <p>{t('people.none')}</p>
          ) : (
            <Table
              headers={[t('people.external.name'), t('people.external.delivered'), t('people.external.state'), t('people.external.submitted'), t('people.external.reviewer')]}
              more={data.meta.total > data.items.length ? t('people.more', { shown: data.items.length, total: data.meta.total }) : undefined}
            >
              {data.items.map((item) => (
                <tr key={item.id}>
                  <th scope="row">
                    {self ? (
                      item.name
                    ) : (
                      <Link to={`/admin/reviews/${item.id}`} aria-label={t('people.external.open', { name: item.name })}>
                        {item.name}
                      </Link>
                    )}
                  </th>
                  <td>{formatDay(item.deliveredOn, locale)}</td>
                  <td>
                    <span className={`w3-state w3-state-${item.state}`}>{t(`state.${item.state}`)}</span>
                    {item.comment && item.state === 'rejected' ? <span className="w3-muted w3-block">{item.comment}</span> : null}
                  </td>
                  <td>{formatMoment(item.submittedAt, locale)}</td>
                  <td>{item.reviewer?.name ?? ''}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </Part>

      {may('licences.manage') && !self ? (
        <Part title={t('people.licences')} id="people-licences" loaded={licences}>
          {(data) =>
            !data || data.items.length === 0 ? (
              <p>{t('people.none')}</p>
            ) : (
              <Table headers={[t('people.licences.type'), t('people.licences.number'), t('people.licences.issued'), t('people.licences.expires'), t('people.licences.status')]}>
                {data.items.map((item) => (
                  <tr key={item.id}>
                    <th scope="row">
                      {item.type.name} <span className="w3-muted">({item.type.code})</span>
                    </th>
                    <td>{item.number ?? ''}</td>
                    <td>{formatDay(item.issuedOn, locale)}</td>
                    <td>{item.expiresOn ? formatDay(item.expiresOn, locale) : ''}</td>
                    <td>{t(`licence.${item.status}`)}</td>
                  </tr>
                ))}
              </Table>
            )
          }
        </Part>
      ) : null}

      <Part title={t('people.credentials')} id="people-credentials" loaded={credentials}>
        {(data) =>
          !data ? (
            <p role="status">{t('people.loading')}</p>
          ) : !data.available ? (
            <p className="w3-placeholder">{data.reason === 'missing' ? t('people.credentials.unavailable') : t('people.credentials.notAllowed')}</p>
          ) : data.items.length === 0 ? (
            <p>{t('people.none')}</p>
          ) : (
            <Table
              headers={[t('people.credentials.group'), t('people.credentials.name'), t('people.credentials.grade'), t('people.credentials.issued'), t('people.credentials.expires'), t('people.credentials.status')]}
              more={data.total > data.items.length ? t('people.more', { shown: data.items.length, total: data.total }) : undefined}
            >
              {data.items.map((item) => (
                <tr key={item.id}>
                  <th scope="row">{item.groupName}</th>
                  <td>{item.recipientName}</td>
                  <td>{item.grade ?? ''}</td>
                  <td>{formatDay(item.issuedOn, locale)}</td>
                  <td>{item.expiresOn ? formatDay(item.expiresOn, locale) : ''}</td>
                  <td>{t(`credential.${item.status}`)}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </Part>
    </section>
  );
}

/** One part of the page: its heading, a loading line, its own error, or its content. */
function Part<T>({ title, id, loaded, children }: { title: string; id: string; loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  return (
    <section className="w3-card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {loaded.error ? <Notice kind="error">{problemText(loaded.error, t('people.loadFailed'))}</Notice> : null}
      {loaded.loading && loaded.data === undefined && !loaded.error ? <p>{t('people.loading')}</p> : null}
      {!loaded.loading && !loaded.error ? children(loaded.data as T) : null}
    </section>
  );
}

function Table({ headers, more, children }: { headers: string[]; more?: string; children: ReactNode }) {
  return (
    <>
      <div className="w3-table-wrap">
        <table className="w3-table">
          <thead>
            <tr>
              {headers.map((header) => (
                <th key={header} scope="col">
                  {header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
      {more ? <p className="w3-muted">{more}</p> : null}
    </>
  );
}
