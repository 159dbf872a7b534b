import { useCallback, useEffect, useRef, useState } from 'react';
import { ActionsPanel } from './components/ActionsPanel';
import { AppLink, asProblem, Counts, ProblemMessage, ProgressBar, StatusBadge } from './components/common';
import { MappingStep } from './components/MappingStep';
import { ReviewStep, WarningGroups } from './components/ReviewStep';
import { RowsTable } from './components/RowsTable';
import { typeText, useImportsEnv } from './env';
import type { ImportsMessageKey } from './messages';
import { formatBytes, formatDateTime, formatDuration } from './model/format';
import type { Problem } from './model/problems';
import { isEnded, phaseProgress, stageOf, type Stage } from './model/stage';
import { followImport } from './net/follow';
import type { ImportDetail, ImportType } from './types';

const STEPS: { key: ImportsMessageKey; stages: Stage[] }[] = [
  { key: 'imports.step.upload', stages: ['reading'] },
  { key: 'imports.step.mapping', stages: ['mapping'] },
  { key: 'imports.step.validation', stages: ['validating'] },
  { key: 'imports.step.confirm', stages: ['review'] },
  { key: 'imports.step.run', stages: ['running', 'ended'] },
];

/**
 * One import: its steps while it runs (mapping, validation, confirmation, run) and, once it has ended,
 * its detail page in the import log (counts, verdict, warnings, rows, files, undo).
 */
export default function ImportPage({ id }: { id: string }) {
  const env = useImportsEnv();
  const { t, api, locale, language } = env;
  const [run, setRun] = useState<ImportDetail | null>(null);
  const [types, setTypes] = useState<ImportType[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [mode, setMode] = useState<'stream' | 'polling' | null>(null);
  const [endNotice, setEndNotice] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const lastStage = useRef<Stage | null>(null);
  const sawRunning = useRef(false);

  const accept = useCallback((next: ImportDetail) => {
    setRun((current) => (current && current.id === next.id && current.version > next.version ? current : next));
  }, []);

  useEffect(() => {
    setRun(null);
    setProblem(null);
    setEndNotice('');
    sawRunning.current = false;
    api.get(id).then(accept, (error) => setProblem(asProblem(error)));
    api.types().then(setTypes, () => setTypes([]));
  }, [api, id, accept]);

  // The server words messages (row errors, the verdict, a failure) in the request's language: switching the
  // language asks for them again, without leaving the step the screen is on.
  const firstLanguage = useRef(language);
  useEffect(() => {
    if (firstLanguage.current === language) return;
    firstLanguage.current = language;
    api.get(id).then(accept, () => undefined);
  }, [api, id, accept, language]);

  const stage = run ? stageOf(run) : null;
  const following = stage === 'reading' || stage === 'validating' || stage === 'running';

  // Follow the import live while a worker has something to do.
  useEffect(() => {
    if (!following) return;
    sawRunning.current = true;
    const stop = followImport<ImportDetail>({
      ticket: () => api.ticket(id),
      fetch: () => api.get(id),
      onUpdate: accept,
      onMode: setMode,
    });
    return stop;
  }, [following, api, id, accept]);

  // A new step takes the focus (its heading), so keyboard and screen reader users land on it.
  useEffect(() => {
    if (!run || !stage || stage === lastStage.current) return;
    const first = lastStage.current === null;
    lastStage.current = stage;
    if (stage === 'ended' && sawRunning.current) {
      setEndNotice(
        `${t('imports.ended.notice', { status: t(`imports.status.${run.status}` as ImportsMessageKey) })} ${t('imports.ended.summary', {
          succeeded: run.counts.succeeded,
          failed: run.counts.failed,
          skipped: run.counts.skipped,
        })}`,
      );
    }
    if (!first) {
      const target = document.querySelector<HTMLElement>('.imp-step h2[tabindex="-1"]') ?? heading.current;
      target?.focus();
    }
  }, [run, stage, t]);

  if (problem && !run) {
    return (
      <section className="imp-page">
        <h1>{t('imports.detail.log')}</h1>
        <ProblemMessage title={t('imports.error.load', { message: '' })} problem={problem} />
        <AppLink to="/admin/imports">{t('imports.detail.log')}</AppLink>
      </section>
    );
  }
  if (!run || !stage) return <p>{t('imports.loading')}</p>;

  const typeTitle = typeText(env, types.find((type) => type.key === run.type), 'title', run.type);
  const progress = phaseProgress(run);
  const fileWarnings = [...run.warnings, ...(stage === 'mapping' ? (run.preview?.warnings ?? []) : [])];
  const currentStep = STEPS.findIndex((step) => step.stages.includes(stage));

  return (
    <section className="imp-page" aria-labelledby="imp-detail-title">
      <div className="imp-page__head">
        <h1 id="imp-detail-title" ref={heading} tabIndex={-1}>
          {t('imports.detail.title', { fileName: run.fileName })}
        </h1>
        <AppLink to="/admin/imports">{t('imports.detail.log')}</AppLink>
      </div>

      <dl className="imp-meta">
        <div>
          <dt>{t('imports.detail.type')}</dt>
          <dd>{typeTitle}</dd>
        </div>
        <div>
          <dt>{t('imports.detail.status')}</dt>
          <dd data-testid="import-status" data-status={run.status}>
            <StatusBadge status={run.status} />
          </dd>
        </div>
        <div>
          <dt>{t('imports.detail.startedBy')}</dt>
          <dd>{run.startedBy.name}</dd>
        </div>
        <div>
          <dt>{t('imports.detail.created')}</dt>
          <dd>
            <time dateTime={run.createdAt}>{formatDateTime(run.createdAt, locale)}</time>
          </dd>
        </div>
        {run.finishedAt ? (
          <div>
            <dt>{t('imports.detail.finished')}</dt>
            <dd>
              <time dateTime={run.finishedAt}>{formatDateTime(run.finishedAt, locale)}</time>
            </dd>
          </div>
        ) : null}
        {run.durationMs !== null ? (
          <div>
            <dt>{t('imports.detail.duration')}</dt>
            <dd>{formatDuration(run.durationMs, locale)}</dd>
          </div>
        ) : null}
        {run.fileSize > 0 ? (
          <div>
            <dt>{t('imports.detail.size')}</dt>
            <dd>{formatBytes(run.fileSize, locale)}</dd>
          </div>
        ) : null}
      </dl>
      {run.undoOf ? (
        <p>
          {t('imports.detail.undoOf')} <AppLink to={`/admin/imports/${run.undoOf}`}>{t('imports.detail.theImport')}</AppLink>
        </p>
      ) : null}
      {run.retryOf ? (
        <p>
          {t('imports.detail.retryOf')} <AppLink to={`/admin/imports/${run.retryOf}`}>{t('imports.detail.theImport')}</AppLink>
        </p>
      ) : null}
      {run.expiresAt ? <p className="imp-muted">{t('imports.detail.expires', { date: formatDateTime(run.expiresAt, locale) })}</p> : null}

      {run.mode === 'import' && !run.autoConfirm ? (
        <ol className="imp-steps" aria-label={t('imports.detail.steps')}>
          {STEPS.map((step, index) => (
            <li
              key={step.key}
              className={index < currentStep || stage === 'ended' ? 'imp-steps__done' : index === currentStep ? 'imp-steps__current' : ''}
              aria-current={index === currentStep && stage !== 'ended' ? 'step' : undefined}
            >
              {t(step.key)}
              <span className="imp-visually-hidden">
                {index < currentStep || stage === 'ended' ? ` (${t('imports.step.done')})` : index === currentStep ? ` (${t('imports.step.current')})` : ''}
              </span>
            </li>
          ))}
        </ol>
      ) : null}

      {run.failure ? (
        <div className="imp-alert imp-alert--error" role="alert">
          <p className="imp-alert__title">
            <strong>{t('imports.detail.failure')}</strong> <span className="imp-code">({run.failure.code})</span>
          </p>
          <p>{run.failure.message}</p>
        </div>
      ) : null}
      {fileWarnings.length > 0 ? (
        <div className="imp-alert imp-alert--warn">
          <p className="imp-alert__title">
            <strong>{t('imports.detail.fileWarnings')}</strong>
          </p>
          <ul>
            {fileWarnings.map((warning, index) => (
              <li key={index}>{warning.message}</li>
            ))}
          </ul>
        </div>
      ) : null}

      <div aria-live="polite" className="imp-live">
        {stage === 'reading' ? <p>{t('imports.reading')}</p> : null}
        {stage === 'validating' || stage === 'running' || (stage === 'ended' && sawRunning.current && progress.phase !== 'reading') ? (
          <div className="imp-step-progress">
            <ProgressBar
              id={progress.phase === 'validating' ? 'validation-progress' : 'run-progress'}
              label={t(`imports.progress.${progress.phase === 'reading' ? 'validating' : progress.phase}` as ImportsMessageKey)}
              percent={progress.percent}
              text={t('imports.progress.rows', { done: progress.done, total: progress.total })}
            />
            {following && mode ? <p className="imp-muted">{t(mode === 'stream' ? 'imports.progress.live' : 'imports.progress.polling')}</p> : null}
          </div>
        ) : null}
      </div>
      {endNotice ? (
        <div className="imp-alert imp-alert--ok imp-end-notice" role="status" data-testid="end-notice">
          {endNotice}
        </div>
      ) : null}

      {stage === 'mapping' && run.preview ? <MappingStep run={run} preview={run.preview} onSaved={accept} /> : null}
      {stage === 'review' ? <ReviewStep run={run} onConfirmed={accept} /> : null}

      {stage === 'ended' ? (
        <section className="imp-section" aria-labelledby="imp-outcome-title">
          <h2 id="imp-outcome-title" tabIndex={-1}>
            <StatusBadge status={run.status} />
          </h2>
          <Counts counts={run.counts} />
          {run.verdict ? (
            <div className={`imp-alert ${run.verdict.outcome === 'likely_to_succeed' ? 'imp-alert--ok' : 'imp-alert--error'}`} data-testid="verdict">
              <p className="imp-alert__title">
                <strong>
                  {t('imports.verdict.title')}: {t(`imports.verdict.${run.verdict.outcome}` as ImportsMessageKey)}
                </strong>
              </p>
              <p>{run.verdict.message}</p>
            </div>
          ) : null}
          {run.validation ? <WarningGroups run={run} /> : null}
        </section>
      ) : null}

      <ActionsPanel run={run} supportsUndo={types.find((type) => type.key === run.type)?.supportsUndo ?? false} onChanged={accept} />

      {stage === 'review' || stage === 'ended' || (stage === 'running' && run.counts.total > 0) ? (
        <RowsTable importId={run.id} version={isEnded(run.status) || stage === 'review' ? run.version : 0} defaultOutcome={stage === 'review' && run.counts.failed > 0 ? 'failed' : ''} />
      ) : null}
    </section>
  );
}
