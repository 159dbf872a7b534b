import { useMemo, useState, type FormEvent } from 'react';
import { useImportsEnv } from '../env';
import { choose, confidenceLevel, initialMapping, mappingRows, mappingSummary, toApiMapping, type MappingChoice } from '../model/mapping';
import { initialOptionValues, missingRequired, toApiOptions, type OptionValues } from '../model/options';
import { placeProblem, type PlacedProblems, type Problem } from '../model/problems';
import type { ImportDetail, ImportPreview } from '../types';
import { asProblem, ProblemMessage, TableWrap } from './common';
import { OptionsForm } from './OptionsForm';

/**
 * Step 3: each header of the file next to its sample values and the suggested column with its confidence;
 * Skip for any header; the mandatory columns still open, highlighted; the type's options. PUT /mapping,
 * with the API's 400/403 shown next to the headers and options they are about.
 */
export function MappingStep({ run, preview, onSaved }: { run: ImportDetail; preview: ImportPreview; onSaved(run: ImportDetail): void }) {
  const { t, api } = useImportsEnv();
  const [choice, setChoice] = useState<MappingChoice>(() => initialMapping(preview, run.mapping));
  const [optionValues, setOptionValues] = useState<OptionValues>(() => initialOptionValues(preview.options, run.options));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [placed, setPlaced] = useState<PlacedProblems>({ headers: {}, options: {}, general: [] });
  const [busy, setBusy] = useState(false);
  const [localError, setLocalError] = useState('');

  const rows = useMemo(() => mappingRows(preview, choice), [preview, choice]);
  const summary = useMemo(() => mappingSummary(preview, choice), [preview, choice]);
  const columnsByKey = useMemo(() => new Map(preview.columns.map((column) => [column.key, column])), [preview.columns]);
  const optionName = (key: string) => key;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setLocalError('');
    const missing = missingRequired(preview.options, optionValues);
    if (missing.length > 0) {
      setLocalError(t('imports.options.required', { options: missing.map(optionName).join(', ') }));
      return;
    }
    setBusy(true);
    setProblem(null);
    setPlaced({ headers: {}, options: {}, general: [] });
    try {
      onSaved(await api.setMapping(run.id, toApiMapping(preview, choice), toApiOptions(preview.options, optionValues)));
    } catch (error) {
      const refusal = asProblem(error);
      setProblem(refusal);
      setPlaced(placeProblem(refusal, preview.options.map((option) => option.key), preview.headers));
    } finally {
      setBusy(false);
    }
  };

  const confidenceText = (row: (typeof rows)[number]) => {
    const level = confidenceLevel(row.suggestion);
    const percent = Math.round((row.suggestion?.confidence ?? 0) * 100);
    const column = row.suggestion?.key ? columnsByKey.get(row.suggestion.key)?.header : undefined;
    const text = t(`imports.confidence.${level}`, { percent });
    return { level, text: column && level !== 'none' ? `${column} · ${text}` : text };
  };

  return (
    <form className="imp-step" onSubmit={submit} aria-labelledby="imp-mapping-title" noValidate>
      <h2 id="imp-mapping-title" tabIndex={-1}>
        {t('imports.mapping.title')}
      </h2>
      <p>{t('imports.mapping.intro')}</p>

      <div className={`imp-alert ${summary.open.length > 0 ? 'imp-alert--warn' : 'imp-alert--ok'}`} role="status" data-testid="open-mandatory">
        {summary.open.length > 0
          ? t('imports.mapping.open', { columns: summary.open.map((column) => column.header).join(', ') })
          : t('imports.mapping.allMapped')}{' '}
        <span className="imp-muted">{t('imports.mapping.summary', { mapped: summary.mapped, skipped: summary.skipped })}</span>
      </div>

      <TableWrap label={t('imports.mapping.title')}>
        <table className="imp-table imp-mapping">
          <caption className="imp-visually-hidden">{t('imports.mapping.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('imports.mapping.header')}</th>
              <th scope="col">{t('imports.mapping.samples')}</th>
              <th scope="col">{t('imports.mapping.suggestion')}</th>
              <th scope="col">{t('imports.mapping.target')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const id = `imp-map-${row.index}`;
              const errors = [...(placed.headers[row.header] ?? [])];
              if (row.clashesWith.length > 0) errors.push(t('imports.mapping.clash', { headers: row.clashesWith.join('”, “') }));
              const confidence = confidenceText(row);
              return (
                <tr key={row.index} data-header={row.header} className={errors.length ? 'imp-row--error' : row.key ? '' : 'imp-row--skipped'}>
                  <th scope="row">{row.label}</th>
                  <td className="imp-samples">
                    {row.samples.length > 0 ? (
                      <ul>
                        {row.samples.map((sample, index) => (
                          <li key={index}>{sample}</li>
                        ))}
                      </ul>
                    ) : (
                      <span className="imp-muted">{t('imports.mapping.noSamples')}</span>
                    )}
                  </td>
                  <td>
                    <span className={`imp-confidence imp-confidence--${confidence.level}`}>{confidence.text}</span>
                  </td>
                  <td>
                    <label htmlFor={id} className="imp-visually-hidden">
                      {t('imports.mapping.targetOf', { header: row.label })}
                    </label>
                    <select
                      id={id}
                      value={row.key ?? ''}
                      onChange={(event) => setChoice(choose(choice, row.header, event.target.value || null))}
                      aria-invalid={errors.length > 0 || undefined}
                      aria-describedby={errors.length ? `${id}-error` : undefined}
                    >
                      <option value="">{t('imports.mapping.skip')}</option>
                      {preview.columns.map((column) => (
                        <option key={column.key} value={column.key}>
                          {column.header}
                          {column.mandatory ? ` ${t('imports.mapping.mandatory')}` : ''}
                        </option>
                      ))}
                    </select>
                    {errors.length > 0 ? (
                      <div id={`${id}-error`} className="imp-field-error">
                        {errors.map((message, index) => (
                          <p key={index}>{message}</p>
                        ))}
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>

      {summary.open.length > 0 ? (
        <ul className="imp-open-columns" aria-label={t('imports.mapping.open', { columns: '' })}>
          {summary.open.map((column) => (
            <li key={column.key} className="imp-open-column">
              <strong>{column.header}</strong> {column.note ? <span className="imp-muted">— {column.note}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}

      <fieldset className="imp-fieldset">
        <legend>{t('imports.options.title')}</legend>
        <OptionsForm typeKey={run.type} options={preview.options} values={optionValues} onChange={setOptionValues} errors={placed.options} idPrefix="imp-opt" />
      </fieldset>

      {localError ? (
        <p className="imp-field-error" role="alert">
          {localError}
        </p>
      ) : null}
      {problem ? <ProblemMessage title={t('imports.mapping.refused')} problem={problem} /> : null}

      <div className="imp-actions">
        <button type="submit" className="imp-button imp-button--primary" disabled={busy}>
          {t('imports.mapping.submit')}
        </button>
      </div>
    </form>
  );
}
