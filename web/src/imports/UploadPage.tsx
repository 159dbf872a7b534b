import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { AppLink, asProblem, ProblemMessage, ProgressBar } from './components/common';
import { OptionsForm } from './components/OptionsForm';
import { typeText, useImportsEnv } from './env';
import { formatBytes } from './model/format';
import { toApiOptions, type OptionValues } from './model/options';
import { placeProblem, type Problem } from './model/problems';
import { acceptOf, acceptsFile, uploadWithProgress, type UploadHandle, type UploadProgress } from './net/upload';
import type { ImportType } from './types';

/** Step 2: drop or pick the file, and upload it with a progress bar of the upload itself. */
export default function UploadPage({ typeKey }: { typeKey: string }) {
  const env = useImportsEnv();
  const { t, api, token, language, locale, navigate } = env;
  const [type, setType] = useState<ImportType | null | undefined>(undefined);
  const [file, setFile] = useState<File | null>(null);
  const [validateOnly, setValidateOnly] = useState(false);
  const [optionValues, setOptionValues] = useState<OptionValues>({});
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [message, setMessage] = useState('');
  const [uploading, setUploading] = useState(false);
  const upload = useRef<UploadHandle<{ id: string }> | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    api.types().then(
      (types) => {
        const found = types.find((candidate) => candidate.key === typeKey) ?? null;
        setType(found);
        if (found) setValidateOnly(found.validateOnlyByDefault);
      },
      (error) => setProblem(asProblem(error)),
    );
  }, [api, typeKey]);
  useEffect(() => () => upload.current?.abort(), []);

  const kinds = type ? type.fileKinds.map((kind) => `.${kind}`).join(', ') : '';
  const choose = (chosen: File | undefined) => {
    setProblem(null);
    setProgress(null);
    if (!chosen || !type) return;
    if (!acceptsFile(type.fileKinds, chosen.name)) {
      setFile(null);
      setMessage(t('imports.upload.wrongKind', { name: chosen.name, kinds }));
      return;
    }
    setMessage('');
    setFile(chosen);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!type) return;
    if (!file) {
      setMessage(t('imports.upload.noFile'));
      input.current?.focus();
      return;
    }
    setProblem(null);
    setMessage('');
    // Each progress event is painted at once (not batched away behind the next one on a fast network).
    const showProgress = (next: UploadProgress) => flushSync(() => setProgress(next));
    showProgress({ loaded: 0, total: file.size, percent: 0 });
    const options = toApiOptions(type.options, optionValues);
    const fields: Record<string, string> = { type: type.key, validateOnly: String(validateOnly) };
    if (Object.keys(options).length > 0) fields.options = JSON.stringify(options);
    const handle = uploadWithProgress<{ id: string }>({ url: '/api/imports', token: token(), language, fields, file, fileName: file.name, onProgress: showProgress });
    upload.current = handle;
    setUploading(true);
    try {
      const started = await handle.done;
      navigate(`/admin/imports/${started.id}`);
    } catch (error) {
      const refusal = asProblem(error);
      // The server's refusal came after the file was sent: the bar stays (at 100 %) above the refusal.
      if (refusal.code === 'ABORTED' || refusal.code === 'NETWORK') {
        setMessage(t(refusal.code === 'ABORTED' ? 'imports.upload.aborted' : 'imports.upload.network'));
        setProgress(null);
      } else setProblem(refusal);
    } finally {
      upload.current = null;
      setUploading(false);
    }
  };

  if (type === undefined && !problem) return <p>{t('imports.loading')}</p>;
  const placed = problem && type ? placeProblem(problem, type.options.map((option) => option.key), []) : null;

  return (
    <section className="imp-page" aria-labelledby="imp-upload-title">
      <div className="imp-page__head">
        <h1 id="imp-upload-title" tabIndex={-1}>
          {t('imports.upload.title', { title: typeText(env, type ?? undefined, 'title', typeKey) })}
        </h1>
        <AppLink to="/admin/imports/new">{t('imports.upload.back')}</AppLink>
      </div>
      {type ? <p>{typeText(env, type, 'description')}</p> : null}
      {type === null ? <p>{t('imports.choose.none')}</p> : null}
      {type ? (
        <form onSubmit={submit} noValidate>
          <div
            className={`imp-dropzone${dragging ? ' imp-dropzone--active' : ''}`}
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
            data-testid="dropzone"
          >
            <p>
              {t('imports.upload.drop')}{' '}
              <label htmlFor="imp-file" className="imp-button imp-button--link">
                {t('imports.upload.pick')}
              </label>
            </p>
            <input
              ref={input}
              id="imp-file"
              className="imp-file-input"
              type="file"
              accept={acceptOf(type.fileKinds)}
              aria-describedby="imp-file-hint"
              onChange={(event) => choose(event.target.files?.[0])}
              disabled={uploading}
            />
            <p id="imp-file-hint" className="imp-muted">
              {t('imports.upload.accepted', { kinds })}
            </p>
            {file ? <p className="imp-chosen">{t('imports.upload.chosen', { name: file.name, size: formatBytes(file.size, locale) })}</p> : null}
          </div>
          <p role="status" className="imp-message">
            {message}
          </p>

          <div className="imp-field imp-field--check">
            <input id="imp-validate-only" type="checkbox" checked={validateOnly} onChange={(e) => setValidateOnly(e.target.checked)} disabled={uploading} />
            <label htmlFor="imp-validate-only">{t('imports.upload.validateOnly')}</label>
          </div>

          {type.options.length > 0 ? (
            <details className="imp-details" open={type.options.some((option) => option.required) || !!placed?.options && Object.keys(placed.options).length > 0}>
              <summary>{t('imports.upload.options')}</summary>
              <OptionsForm typeKey={type.key} options={type.options} values={optionValues} onChange={setOptionValues} errors={placed?.options ?? {}} idPrefix="imp-upload-opt" />
            </details>
          ) : null}

          {progress ? (
            <ProgressBar
              id="upload-progress"
              label={t('imports.upload.progress')}
              percent={progress.percent}
              text={t('imports.upload.progressText', { loaded: formatBytes(progress.loaded, locale), total: formatBytes(progress.total, locale), percent: progress.percent })}
            />
          ) : null}

          {problem ? <ProblemMessage title={t('imports.upload.refused')} problem={problem} /> : null}

          <div className="imp-actions">
            {uploading ? (
              <button type="button" className="imp-button" onClick={() => upload.current?.abort()}>
                {t('imports.upload.abort')}
              </button>
            ) : (
              <button type="submit" className="imp-button imp-button--primary">
                {t('imports.upload.submit')}
              </button>
            )}
          </div>
        </form>
      ) : null}
    </section>
  );
}
