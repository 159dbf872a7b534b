import { useEffect, useState, type FormEvent } from 'react';
import type { ImportListFilter } from './api';
import { AppLink, asProblem, ProblemMessage, StatusBadge, TableWrap } from './components/common';
import { Pager } from './components/Pager';
import { typeText, useImportsEnv } from './env';
import { formatDateTime } from './model/format';
import { startOfLocalDay, startOfNextLocalDay } from './model/format';
import type { Problem } from './model/problems';
import { IMPORT_STATUSES, type ImportStatus, type ImportSummary, type ImportType, type Page } from './types';
import type { ImportsMessageKey } from './messages';

interface Filters {
  type: string;
  status: string;
  who: string;
  mine: boolean;
  from: string;
  to: string;
}

const EMPTY: Filters = { type: '', status: '', who: '', mine: false, from: '', to: '' };
const PAGE_SIZE = 20;

/** The filters in the address (?type=&status=&who=&mine=1&from=&to=&page=), so a filtered log can be linked. */
function filtersFromLocation(): { filters: Filters; page: number } {
  const query = new URLSearchParams(window.location.search);
  return {
    filters: {
      type: query.get('type') ?? '',
      status: query.get('status') ?? '',
      who: query.get('who') ?? '',
      mine: query.get('mine') === '1',
      from: query.get('from') ?? '',
      to: query.get('to') ?? '',
    },
    page: Math.max(1, Number(query.get('page') ?? '1') || 1),
  };
}

function toQuery(filters: Filters, page: number): string {
  const query = new URLSearchParams();
  if (filters.type) query.set('type', filters.type);
  if (filters.status) query.set('status', filters.status);
  if (filters.who) query.set('who', filters.who);
  if (filters.mine) query.set('mine', '1');
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `?${text}` : '';
}

export default function ImportLogPage() {
  const env = useImportsEnv();
  const { t, api, locale, userId } = env;
  const initial = filtersFromLocation();
  const [draft, setDraft] = useState<Filters>(initial.filters);
  const [filters, setFilters] = useState<Filters>(initial.filters);
  const [page, setPage] = useState(initial.page);
  const [types, setTypes] = useState<ImportType[]>([]);
  const [result, setResult] = useState<Page<ImportSummary> | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    api.types().then(setTypes, () => setTypes([]));
  }, [api]);

  useEffect(() => {
    let live = true;
    const filter: ImportListFilter = { page, pageSize: PAGE_SIZE };
    if (filters.type) filter.type = filters.type;
    if (filters.status) filter.status = filters.status as ImportStatus;
    if (filters.who.trim()) filter.startedByName = filters.who.trim();
    if (filters.mine) filter.startedBy = userId;
    const from = startOfLocalDay(filters.from);
    const to = startOfNextLocalDay(filters.to);
    if (from) filter.createdFrom = from;
    if (to) filter.createdBefore = to;
    setProblem(null);
    api.list(filter).then(
      (answer) => live && setResult(answer),
      (error) => live && setProblem(asProblem(error)),
    );
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${toQuery(filters, page)}`);
    return () => {
      live = false;
    };
  }, [api, filters, page, userId]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setPage(1);
  };
  const reset = () => {
    setDraft(EMPTY);
    setFilters(EMPTY);
    setPage(1);
  };
  const typeTitle = (key: string) => typeText(env, types.find((type) => type.key === key), 'title', key);

  return (
    <section className="imp-page" aria-labelledby="imp-log-title">
      <div className="imp-page__head">
        <h1 id="imp-log-title" tabIndex={-1}>
          {t('imports.log.title')}
        </h1>
        <AppLink to="/admin/imports/new" className="imp-button imp-button--primary">
          {t('imports.log.new')}
        </AppLink>
      </div>
      <p>{t('imports.log.intro')}</p>

      <form className="imp-filters" onSubmit={apply} aria-label={t('imports.log.filters')}>
        <div className="imp-field">
          <label htmlFor="imp-f-type">{t('imports.log.type')}</label>
          <select id="imp-f-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
            <option value="">{t('imports.log.any')}</option>
            {types.map((type) => (
              <option key={type.key} value={type.key}>
                {typeText(env, type, 'title')}
              </option>
            ))}
          </select>
        </div>
        <div className="imp-field">
          <label htmlFor="imp-f-status">{t('imports.log.status')}</label>
          <select id="imp-f-status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">{t('imports.log.any')}</option>
            {IMPORT_STATUSES.map((status: ImportStatus) => (
              <option key={status} value={status}>
                {t(`imports.status.${status}` as ImportsMessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div className="imp-field">
          <label htmlFor="imp-f-who">{t('imports.log.who')}</label>
          <input
            id="imp-f-who"
            type="search"
            value={draft.who}
            placeholder={t('imports.log.whoHint')}
            disabled={draft.mine}
            onChange={(e) => setDraft({ ...draft, who: e.target.value })}
          />
        </div>
        <div className="imp-field imp-field--check">
          <input id="imp-f-mine" type="checkbox" checked={draft.mine} onChange={(e) => setDraft({ ...draft, mine: e.target.checked })} />
          <label htmlFor="imp-f-mine">{t('imports.log.mine')}</label>
        </div>
        <div className="imp-field">
          <label htmlFor="imp-f-from">{t('imports.log.from')}</label>
          <input id="imp-f-from" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div className="imp-field">
          <label htmlFor="imp-f-to">{t('imports.log.to')}</label>
          <input id="imp-f-to" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div className="imp-filters__buttons">
          <button type="submit" className="imp-button imp-button--primary">
            {t('imports.log.apply')}
          </button>
          <button type="button" className="imp-button" onClick={reset}>
            {t('imports.log.reset')}
          </button>
        </div>
      </form>

      {problem ? <ProblemMessage title={t('imports.error.load', { message: '' })} problem={problem} /> : null}

      <div aria-live="polite" className="imp-muted">
        {result ? t('imports.log.count', { count: result.meta.total }) : t('imports.loading')}
      </div>
      {result && result.items.length === 0 ? <p>{t('imports.log.empty')}</p> : null}
      {result && result.items.length > 0 ? (
        <TableWrap label={t('imports.log.title')}>
          <table className="imp-table">
            <caption className="imp-visually-hidden">{t('imports.log.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('imports.log.file')}</th>
                <th scope="col">{t('imports.log.type')}</th>
                <th scope="col">{t('imports.log.status')}</th>
                <th scope="col">{t('imports.log.who')}</th>
                <th scope="col">{t('imports.log.created')}</th>
                <th scope="col">{t('imports.log.rows')}</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((run) => (
                <tr key={run.id}>
                  <td>
                    <AppLink to={`/admin/imports/${run.id}`}>{run.fileName}</AppLink>
                    {run.mode === 'undo' ? <span className="imp-tag">{t('imports.log.undoOf')}</span> : null}
                  </td>
                  <td>{typeTitle(run.type)}</td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>{run.startedBy.name}</td>
                  <td>
                    <time dateTime={run.createdAt}>{formatDateTime(run.createdAt, locale)}</time>
                  </td>
                  <td>
                    {run.counts.total} ·{' '}
                    {t('imports.log.rowsSummary', { succeeded: run.counts.succeeded, failed: run.counts.failed, skipped: run.counts.skipped })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {result ? <Pager page={page} pageSize={PAGE_SIZE} total={result.meta.total} onPage={setPage} /> : null}
    </section>
  );
}
