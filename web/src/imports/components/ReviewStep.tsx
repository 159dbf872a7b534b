import { useState, type FormEvent } from 'react';
import { useImportsEnv } from '../env';
import { unacknowledgedCodes, type Problem } from '../model/problems';
import { warningsToConfirm } from '../model/stage';
import type { ImportDetail } from '../types';
import { asProblem, Counts, ProblemMessage } from './common';

/** The warnings found, grouped by code with their row counts. */
export function WarningGroups({ run }: { run: ImportDetail }) {
  const { t } = useImportsEnv();
  const groups = run.validation?.warningGroups ?? [];
  return (
    <section aria-labelledby="imp-warnings-title" className="imp-section">
      <h3 id="imp-warnings-title">{t('imports.warnings.title')}</h3>
      {groups.length === 0 ? (
        <p className="imp-muted">{t('imports.warnings.none')}</p>
      ) : (
        <ul className="imp-warning-groups">
          {groups.map((group) => (
            <li key={group.code} data-code={group.code}>
              <span className="imp-warning-groups__count">{t('imports.warnings.rows', { rows: group.rows })}</span> {group.message}{' '}
              <span className="imp-code">{group.code}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * Step 5 before the run: counts, warnings grouped by code, the warnings that need confirming as
 * checkboxes, the import-level check's problems, and Confirm, which shows the API's 409 when a warning
 * is not acknowledged (naming the codes) or the check fails.
 */
export function ReviewStep({ run, onConfirmed }: { run: ImportDetail; onConfirmed(run: ImportDetail): void }) {
  const { t, api } = useImportsEnv();
  const toConfirm = warningsToConfirm(run);
  const [acknowledged, setAcknowledged] = useState<string[]>(run.acknowledgedWarnings ?? []);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const checkProblems = run.validation?.checkProblems ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onConfirmed(await api.confirm(run.id, acknowledged));
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  const missing = problem ? unacknowledgedCodes(problem) : [];

  return (
    <form className="imp-step" onSubmit={submit} aria-labelledby="imp-review-title">
      <h2 id="imp-review-title" tabIndex={-1}>
        {t('imports.review.title')}
      </h2>
      <p>{t('imports.review.intro')}</p>
      <Counts counts={run.counts} keys={['total', 'valid', 'failed', 'skipped', 'withWarnings']} />
      <WarningGroups run={run} />

      {toConfirm.length > 0 ? (
        <fieldset className="imp-fieldset imp-confirm-warnings">
          <legend>{t('imports.warnings.confirmTitle')}</legend>
          <p>{t('imports.warnings.confirmIntro')}</p>
          {toConfirm.map((group) => {
            const id = `imp-ack-${group.code.replace(/[^A-Za-z0-9]/g, '-')}`;
            const flagged = missing.includes(group.code);
            return (
              <div key={group.code} className={`imp-field imp-field--check${flagged ? ' imp-field--flagged' : ''}`}>
                <input
                  id={id}
                  type="checkbox"
                  value={group.code}
                  checked={acknowledged.includes(group.code)}
                  aria-invalid={flagged || undefined}
                  onChange={(event) =>
                    setAcknowledged(event.target.checked ? [...acknowledged, group.code] : acknowledged.filter((code) => code !== group.code))
                  }
                />
                <label htmlFor={id}>{t('imports.warnings.confirmLabel', { message: group.message, rows: group.rows })}</label>
              </div>
            );
          })}
        </fieldset>
      ) : null}

      {checkProblems.length > 0 ? (
        <div className="imp-alert imp-alert--error">
          <p className="imp-alert__title">
            <strong>{t('imports.check.title')}</strong>
          </p>
          <ul>
            {checkProblems.map((message, index) => (
              <li key={index}>{message.message}</li>
            ))}
          </ul>
        </div>
      ) : null}

      {problem ? (
        <ProblemMessage
          title={t('imports.confirm.refused')}
          problem={problem}
          extra={missing.length > 0 ? <p>{t('imports.confirm.notAcknowledged', { codes: missing.join(', ') })}</p> : null}
        />
      ) : null}

      {run.counts.valid === 0 ? <p className="imp-muted">{t('imports.confirm.nothing')}</p> : null}
      <div className="imp-actions">
        <button type="submit" className="imp-button imp-button--primary" disabled={busy}>
          {t('imports.confirm.submit')} ({run.counts.valid})
        </button>
      </div>
    </form>
  );
}
