import { useEffect, useState } from 'react';
import type { RowOutcome } from '../api';
import { useImportsEnv } from '../env';
import type { ImportsMessageKey } from '../messages';
import type { Problem } from '../model/problems';
import type { ImportRow, Page, RowCode } from '../types';
import { asProblem, ProblemMessage, TableWrap } from './common';
import { Pager } from './Pager';

const OUTCOMES = ['failed', 'valid', 'succeeded', 'skipped', 'warnings'];
const PAGE_SIZE = 25;

/** The rows of an import with what happened to each, filtered by outcome and by message code, paginated. */
export function RowsTable({ importId, version, defaultOutcome = '' }: { importId: string; version: number; defaultOutcome?: string }) {
  const { t, api, language } = useImportsEnv();
  const [outcome, setOutcome] = useState(defaultOutcome);
  const [code, setCode] = useState('');
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<Page<ImportRow> | null>(null);
  const [codes, setCodes] = useState<RowCode[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    api.rowCodes(importId).then(setCodes, () => setCodes([]));
  }, [api, importId, version, language]);

  useEffect(() => {
    let live = true;
    api.rows(importId, { outcome: (outcome || undefined) as RowOutcome | undefined, code: code || undefined, page, pageSize: PAGE_SIZE }).then(
      (answer) => {
        if (!live) return;
        setRows(answer);
        setProblem(null);
      },
      (error) => live && setProblem(asProblem(error)),
    );
    return () => {
      live = false;
    };
  }, [api, importId, outcome, code, page, version, language]);

  return (
    <section className="imp-section" aria-labelledby="imp-rows-title">
      <h3 id="imp-rows-title">{t('imports.rows.title')}</h3>
      <div className="imp-filters imp-filters--inline">
        <div className="imp-field">
          <label htmlFor="imp-rows-outcome">{t('imports.rows.outcome')}</label>
          <select
            id="imp-rows-outcome"
            value={outcome}
            onChange={(event) => {
              setOutcome(event.target.value);
              setPage(1);
            }}
          >
            <option value="">{t('imports.rows.all')}</option>
            {OUTCOMES.map((value) => (
              <option key={value} value={value}>
                {value === 'warnings' ? t('imports.rows.warnings') : t(`imports.rowStatus.${value}` as ImportsMessageKey)}
              </option>
            ))}
          </select>
        </div>
        <div className="imp-field">
          <label htmlFor="imp-rows-code">{t('imports.rows.code')}</label>
          <select
            id="imp-rows-code"
            value={code}
            onChange={(event) => {
              setCode(event.target.value);
              setPage(1);
            }}
          >
            <option value="">{t('imports.rows.allCodes')}</option>
            {codes.map((entry) => (
              <option key={`${entry.kind}:${entry.code}`} value={entry.code}>
                {entry.kind === 'error' ? t('imports.rows.error') : t('imports.rows.warning')}: {entry.code} ({entry.rows})
              </option>
            ))}
          </select>
        </div>
      </div>
      {problem ? <ProblemMessage title={t('imports.error.load', { message: '' })} problem={problem} /> : null}
      <p className="imp-muted" aria-live="polite">
        {rows ? t('imports.rows.count', { count: rows.meta.total }) : t('imports.loading')}
      </p>
      {rows && rows.items.length === 0 ? <p>{t('imports.rows.empty')}</p> : null}
      {rows && rows.items.length > 0 ? (
        <TableWrap label={t('imports.rows.title')}>
          <table className="imp-table imp-rows">
            <caption className="imp-visually-hidden">{t('imports.rows.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('imports.rows.row')}</th>
                <th scope="col">{t('imports.rows.outcome')}</th>
                <th scope="col">{t('imports.rows.errors')}</th>
                <th scope="col">{t('imports.rows.warningsColumn')}</th>
                <th scope="col">{t('imports.rows.values')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.items.map((row) => (
                <tr key={row.rowNumber} data-row={row.rowNumber} data-status={row.status}>
                  <th scope="row">{row.rowNumber}</th>
                  <td>
                    <span className={`imp-row-status imp-row-status--${row.status}`}>{t(`imports.rowStatus.${row.status}` as ImportsMessageKey)}</span>
                  </td>
                  <td>
                    <ul className="imp-messages">
                      {row.errors.map((message, index) => (
                        <li key={index} data-code={message.code}>
                          {message.message}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <ul className="imp-messages">
                      {row.warnings.map((message, index) => (
                        <li key={index} data-code={message.code}>
                          {message.message}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="imp-values">
                    {Object.entries(row.values)
                      .filter(([, value]) => value !== '')
                      .map(([header, value]) => (
                        <span key={header} className="imp-value">
                          <span className="imp-value__header">{header}:</span> {value}
                        </span>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {rows ? <Pager page={page} pageSize={PAGE_SIZE} total={rows.meta.total} onPage={setPage} /> : null}
    </section>
  );
}
