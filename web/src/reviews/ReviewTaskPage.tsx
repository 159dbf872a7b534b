import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useApi, useI18n, useMe, useParams, type Schemas } from './wiring';
import { formatBytes, formatDay, formatMoment, formatNumber, Notice, problemCode, problemText, unwrap, useLoad } from './shared';
import { PdfViewer } from './PdfViewer';
import { editsBetween, fieldsOf, type Fields } from './edits';
import './reviews.css';

type HistoryEntry = Schemas['HistoryEntryDto'];
type Definition = Schemas['DefinitionDto'];

type Outcome = { kind: 'success'; text: string } | { kind: 'error'; text: string; conflict: boolean };

/** /admin/reviews/:id: the PDF, the details, the edit form with comment, Validate and Reject, and the history. */
export default function ReviewTaskRoute() {
  const { id } = useParams<{ id: string }>();
  return <ReviewTaskPage key={id} id={id} />;
}

export function ReviewTaskPage({ id }: { id: string }) {
  const api = useApi();
  const { t, locale } = useI18n();
  const me = useMe();
  const ids = { name: useId(), delivered: useId(), expires: useId(), definition: useId(), comment: useId(), commentHint: useId(), definitionHint: useId() };

  const certificate = useLoad(async () => unwrap(await api.GET('/api/external-certificates/{id}', { params: { path: { id } } })), id);
  const [historyKey, setHistoryKey] = useState(0);
  const history = useLoad(async () => unwrap(await api.GET('/api/external-certificates/{id}/history', { params: { path: { id } } })), `${id}:${historyKey}`);
  const definitions = useLoad(async () => unwrap(await api.GET('/api/certificate-definitions')), 'definitions');

  const [fields, setFields] = useState<Fields>();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const outcomeRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // The form starts from (and after a reload returns to) what the API says now.
  const loaded = certificate.data;
  useEffect(() => {
    if (loaded) setFields(fieldsOf(loaded));
  }, [loaded]);

  useEffect(() => {
    if (outcome) outcomeRef.current?.focus();
  }, [outcome]);

  if (certificate.error) {
    const notFound = (certificate.error as { status?: number }).status === 404;
    return (
      <section className="w3-page">
        <h1>{t('reviews.title')}</h1>
        <Notice kind="error">{notFound ? t('review.notFound') : problemText(certificate.error, t('review.loadFailed'))}</Notice>
        <p>
          <Link to="/admin/reviews">{t('reviews.back')}</Link>
        </p>
      </section>
    );
  }
  if (!loaded || !fields) return <p role="status">{t('reviews.loading')}</p>;

  const pending = loaded.state === 'pending_review';
  const edits = editsBetween(fieldsOf(loaded), fields);
  const definitionList: Definition[] = definitions.data ?? [];
  const ownDefinitionListed = !loaded.definitionId || definitionList.some((d) => d.id === loaded.definitionId);

  const act = async (action: 'save' | 'validate' | 'reject') => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const path = { params: { path: { id } } };
      if (action === 'save') {
        if (Object.keys(edits).length === 0) {
          setOutcome({ kind: 'success', text: t('review.nothingChanged') });
          return;
        }
        unwrap(await api.PATCH('/api/external-certificates/{id}', { ...path, body: { ...edits, version: loaded.version } }));
        setOutcome({ kind: 'success', text: t('review.saved') });
      } else if (action === 'validate') {
        unwrap(
          await api.POST('/api/external-certificates/{id}/validate', {
            ...path,
            body: { ...edits, version: loaded.version, ...(comment.trim() ? { comment } : {}) },
          }),
        );
        setOutcome({ kind: 'success', text: t('review.validated') });
        setComment('');
      } else {
        // The API decides whether the comment is acceptable (it is required): its message is shown as is.
        unwrap(await api.POST('/api/external-certificates/{id}/reject', { ...path, body: { comment, version: loaded.version } }));
        setOutcome({ kind: 'success', text: t('review.rejected') });
        setComment('');
      }
      certificate.reload();
      setHistoryKey((n) => n + 1);
    } catch (failure) {
      const code = problemCode(failure);
      const conflict = code === 'VALIDATION.VERSION_CONFLICT';
      setOutcome({ kind: 'error', text: problemText(failure, t('review.failed')), conflict });
      if (code === 'VALIDATION.ALREADY_DECIDED') {
        certificate.reload();
        setHistoryKey((n) => n + 1);
      }
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const action = (submitter?.value ?? 'save') as 'save' | 'validate' | 'reject';
    void act(action);
  };

  const reloadAfterConflict = () => {
    setOutcome(undefined);
    certificate.reload();
    setHistoryKey((n) => n + 1);
    headingRef.current?.focus();
  };

  const set = (key: keyof Fields) => (event: { target: { value: string } }) => setFields({ ...fields, [key]: event.target.value });
  const definitionName = (definitionId: string | null) => {
    if (!definitionId) return t('review.definition.none');
    const found = definitionList.find((d) => d.id === definitionId);
    return found ? `${found.code} — ${found.name}` : t('review.definition.unknown');
  };

  return (
    <section className="w3-page" aria-labelledby="review-title">
      <p>
        <Link to="/admin/reviews">{t('reviews.back')}</Link>
      </p>
      <h1 id="review-title" ref={headingRef} tabIndex={-1}>
        {t('review.title', { name: loaded.name })}
      </h1>
      <p>
        <span className={`w3-state w3-state-${loaded.state}`}>{t(`state.${loaded.state}`)}</span>
      </p>

      {outcome ? (
        <div ref={outcomeRef} tabIndex={-1} className="w3-outcome">
          <Notice kind={outcome.kind}>
            {outcome.kind === 'error' && outcome.conflict ? <strong>{t('review.conflict.title')} </strong> : null}
            {outcome.text}
          </Notice>
          {outcome.kind === 'error' && outcome.conflict ? (
            <p>
              <button type="button" onClick={reloadAfterConflict}>
                {t('review.conflict.reload')}
              </button>{' '}
              <span className="w3-muted">{t('review.conflict.kept')}</span>
            </p>
          ) : null}
        </div>
      ) : null}

      <div className="w3-review-grid">
        <section className="w3-card w3-review-pdf" aria-labelledby="review-pdf">
          <h2 id="review-pdf">{t('review.pdf')}</h2>
          <PdfViewer id={loaded.id} name={loaded.name} fileName={loaded.file.fileName} size={loaded.file.size} />
        </section>

        <div className="w3-review-side">
          <section className="w3-card" aria-labelledby="review-details">
            <h2 id="review-details">{t('review.details')}</h2>
            <dl className="w3-details">
              <dt>{t('review.learner')}</dt>
              <dd>
                {me.permissions.includes('users.read') && loaded.user.id !== me.userId ? (
                  <Link to={`/admin/users/${loaded.user.id}`}>{loaded.user.name ?? loaded.user.id}</Link>
                ) : (
                  (loaded.user.name ?? '')
                )}
              </dd>
              <dt>{t('review.uploadedBy')}</dt>
              <dd>{loaded.uploadedBy.name ?? ''}</dd>
              <dt>{t('review.submittedAt')}</dt>
              <dd>{formatMoment(loaded.submittedAt, locale)}</dd>
              <dt>{t('field.deliveredOn')}</dt>
              <dd>{formatDay(loaded.deliveredOn, locale)}</dd>
              {loaded.expiresOn ? (
                <>
                  <dt>{t('field.expiresOn')}</dt>
                  <dd>{formatDay(loaded.expiresOn, locale)}</dd>
                </>
              ) : null}
              <dt>{t('field.definitionId')}</dt>
              <dd>{definitionName(loaded.definitionId)}</dd>
              {loaded.credits !== null ? (
                <>
                  <dt>{t('review.credits')}</dt>
                  <dd>{formatNumber(loaded.credits, locale)}</dd>
                </>
              ) : null}
              {loaded.reviewer ? (
                <>
                  <dt>{t('review.reviewer')}</dt>
                  <dd>
                    {loaded.reviewer.name ?? ''}
                    {loaded.reviewer.tier ? ` (${t(`tier.${loaded.reviewer.tier}`)})` : ''}
                  </dd>
                </>
              ) : null}
              {loaded.fallbackReviewer ? (
                <>
                  <dt>{t('review.fallbackReviewer')}</dt>
                  <dd>{loaded.fallbackReviewer.name ?? ''}</dd>
                </>
              ) : null}
              <dt>{t('review.file')}</dt>
              <dd>
                {loaded.file.fileName} ({formatBytes(loaded.file.size, locale)})
              </dd>
              {loaded.decidedAt ? (
                <>
                  <dt>{t('review.decided')}</dt>
                  <dd>{t('review.decidedBy', { when: formatMoment(loaded.decidedAt, locale), who: loaded.decidedBy?.name ?? '' })}</dd>
                </>
              ) : null}
              {loaded.comment ? (
                <>
                  <dt>{t('review.comment')}</dt>
                  <dd className="w3-pre">{loaded.comment}</dd>
                </>
              ) : null}
            </dl>
          </section>

          <section className="w3-card" aria-labelledby="review-edit">
            <h2 id="review-edit">{t('review.edit')}</h2>
            {pending ? (
              <form onSubmit={onSubmit} noValidate>
                <p className="w3-muted">{t('review.edit.hint')}</p>
                <div className="w3-field">
                  <label htmlFor={ids.name}>{t('review.name')}</label>
                  <input id={ids.name} type="text" value={fields.name} onChange={set('name')} maxLength={200} autoComplete="off" />
                </div>
                <div className="w3-field-row">
                  <div className="w3-field">
                    <label htmlFor={ids.delivered}>{t('review.deliveredOn')}</label>
                    <input id={ids.delivered} type="date" value={fields.deliveredOn} onChange={set('deliveredOn')} />
                  </div>
                  <div className="w3-field">
                    <label htmlFor={ids.expires}>{t('review.expiresOn')}</label>
                    <input id={ids.expires} type="date" value={fields.expiresOn} onChange={set('expiresOn')} />
                  </div>
                </div>
                <div className="w3-field">
                  <label htmlFor={ids.definition}>{t('review.definition')}</label>
                  <select id={ids.definition} value={fields.definitionId} onChange={set('definitionId')} aria-describedby={ids.definitionHint}>
                    <option value="">{t('review.definition.none')}</option>
                    {!ownDefinitionListed && loaded.definitionId ? <option value={loaded.definitionId}>{t('review.definition.unknown')}</option> : null}
                    {definitionList.map((definition) => (
                      <option key={definition.id} value={definition.id}>
                        {definition.code} — {definition.name}
                      </option>
                    ))}
                  </select>
                  <p id={ids.definitionHint} className="w3-hint">
                    {t('review.definition.hint')}
                  </p>
                </div>
                <div className="w3-field">
                  <label htmlFor={ids.comment}>{t('review.comment.label')}</label>
                  <textarea id={ids.comment} value={comment} onChange={(event) => setComment(event.target.value)} rows={4} maxLength={4000} aria-describedby={ids.commentHint} />
                  <p id={ids.commentHint} className="w3-hint">
                    {t('review.comment.hint')}
                  </p>
                </div>
                <div className="w3-actions">
                  <button type="submit" name="action" value="save" disabled={busy}>
                    {t('review.save')}
                  </button>
                  <button type="submit" name="action" value="validate" className="w3-primary" disabled={busy}>
                    {t('review.validate')}
                  </button>
                  <button type="submit" name="action" value="reject" className="w3-danger" disabled={busy}>
                    {t('review.reject')}
                  </button>
                  {busy ? (
                    <span role="status" className="w3-muted">
                      {t('review.busy')}
                    </span>
                  ) : null}
                </div>
              </form>
            ) : (
              <p>{t('review.decidedAlready')}</p>
            )}
          </section>
        </div>
      </div>

      <section className="w3-card" aria-labelledby="review-history">
        <h2 id="review-history">{t('review.history')}</h2>
        {history.error ? <Notice kind="error">{problemText(history.error, t('review.loadFailed'))}</Notice> : null}
        {history.data && history.data.length === 0 ? <p>{t('review.history.empty')}</p> : null}
        {history.data && history.data.length > 0 ? (
          <ol className="w3-history">
            {history.data.map((entry, index) => (
              <HistoryItem key={`${entry.at}-${index}`} entry={entry} definitionName={definitionName} />
            ))}
          </ol>
        ) : null}
      </section>
    </section>
  );
}

function HistoryItem({ entry, definitionName }: { entry: HistoryEntry; definitionName: (id: string | null) => string }) {
  const { t, locale } = useI18n();
  const changes = (entry.details as { changes?: Record<string, { from: unknown; to: unknown }> }).changes ?? {};
  const show = (field: string, value: unknown): string => {
    if (value === null || value === undefined || value === '') return t('review.history.empty.value');
    if (field === 'definitionId') return definitionName(String(value));
    if (field === 'deliveredOn' || field === 'expiresOn') return formatDay(String(value), locale);
    return String(value);
  };
  const label = (key: string, fallback: string) => {
    const text = t(key);
    return text === key ? fallback : text;
  };
  return (
    <li>
      <p>
        <strong>{label(`action.${entry.action}`, entry.action)}</strong>{' '}
        <time dateTime={entry.at}>{formatMoment(entry.at, locale)}</time>{' '}
        <span className="w3-muted">{entry.actor ? t('review.history.by', { who: entry.actor.name ?? '' }) : t('review.history.system')}</span>
      </p>
      {Object.keys(changes).length > 0 ? (
        <ul>
          {Object.entries(changes).map(([field, change]) => (
            <li key={field}>{t('review.history.changed', { field: label(`field.${field}`, field), from: show(field, change.from), to: show(field, change.to) })}</li>
          ))}
        </ul>
      ) : null}
      {entry.comment ? <p className="w3-pre">{entry.comment}</p> : null}
    </li>
  );
}
