import { useState } from 'react';
import { useImportsEnv } from '../env';
import type { Problem } from '../model/problems';
import { canCancel, canRunForReal, canUndo, downloads } from '../model/stage';
import { downloadFromUrl } from '../net/download';
import type { ImportDetail } from '../types';
import { asProblem, ProblemMessage } from './common';

type Format = 'xlsx' | 'csv' | 'txt';

/** Step 7: the error file or the results file (XLSX, CSV or tab-delimited text), undo, cancel, run for real. */
export function ActionsPanel({ run, supportsUndo, onChanged }: { run: ImportDetail; supportsUndo: boolean; onChanged(run: ImportDetail): void }) {
  const { t, api, navigate } = useImportsEnv();
  const [format, setFormat] = useState<Format>('xlsx');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const files = downloads(run);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    setNotice('');
    try {
      await work();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  // A one-time link the browser downloads itself (streamed to disk, its own progress), not a blob held in this page.
  const download = (kind: 'error-file' | 'results-file') =>
    act(async () => {
      const { url } = await api.downloadTicket(run.id, kind, format);
      downloadFromUrl(url);
      const suffix = kind === 'error-file' ? 'errors' : 'results';
      setNotice(t('imports.actions.downloadStarted', { name: `${run.fileName.replace(/\.[^.]+$/, '')}_${suffix}.${format}` }));
    });
  const undo = () =>
    act(async () => {
      if (!window.confirm(t('imports.actions.undoConfirm'))) return;
      const started = await api.undo(run.id);
      navigate(`/admin/imports/${started.id}`);
    });
  const cancel = () =>
    act(async () => {
      if (!window.confirm(t('imports.actions.cancelConfirm'))) return;
      onChanged(await api.cancel(run.id));
    });
  const runForReal = () =>
    act(async () => {
      const started = await api.run(run.id);
      navigate(`/admin/imports/${started.id}`);
    });

  const undoable = supportsUndo && canUndo(run);
  const anything = files.errorFile || files.resultsFile || undoable || canCancel(run) || canRunForReal(run);
  if (!anything) return null;
  return (
    <section className="imp-section imp-actions-panel" aria-labelledby="imp-actions-title">
      <h3 id="imp-actions-title">{t('imports.actions.title')}</h3>
      {files.errorFile || files.resultsFile ? (
        <div className="imp-downloads">
          <div className="imp-field">
            <label htmlFor="imp-format">{t('imports.actions.format')}</label>
            <select id="imp-format" value={format} onChange={(event) => setFormat(event.target.value as Format)}>
              <option value="xlsx">XLSX (Excel)</option>
              <option value="csv">CSV</option>
              <option value="txt">TXT (tab)</option>
            </select>
          </div>
          {files.errorFile ? (
            <div className="imp-download">
              <button type="button" className="imp-button" disabled={busy} onClick={() => void download('error-file')} aria-describedby="imp-error-file-hint">
                {t('imports.actions.errorFile')}
              </button>
              <p id="imp-error-file-hint" className="imp-help">
                {t('imports.actions.errorFileHint')}
              </p>
            </div>
          ) : null}
          {files.resultsFile ? (
            <div className="imp-download">
              <button type="button" className="imp-button" disabled={busy} onClick={() => void download('results-file')} aria-describedby="imp-results-file-hint">
                {t('imports.actions.resultsFile')}
              </button>
              <p id="imp-results-file-hint" className="imp-help">
                {t('imports.actions.resultsFileHint')}
              </p>
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="imp-actions">
        {canRunForReal(run) ? (
          <button type="button" className="imp-button imp-button--primary" disabled={busy} onClick={() => void runForReal()}>
            {t('imports.actions.run')}
          </button>
        ) : null}
        {undoable ? (
          <button type="button" className="imp-button" disabled={busy} onClick={() => void undo()}>
            {t('imports.actions.undo')}
          </button>
        ) : null}
        {canCancel(run) ? (
          <button type="button" className="imp-button imp-button--danger" disabled={busy} onClick={() => void cancel()}>
            {t('imports.actions.cancel')}
          </button>
        ) : null}
      </div>
      <p role="status" className="imp-message">
        {notice}
      </p>
      {problem ? <ProblemMessage title={t('imports.actions.refused')} problem={problem} /> : null}
    </section>
  );
}
