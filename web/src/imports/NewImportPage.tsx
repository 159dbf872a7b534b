import { useEffect, useState } from 'react';
import { AppLink, asProblem, ProblemMessage } from './components/common';
import { typeText, useImportsEnv } from './env';
import type { Problem } from './model/problems';
import { downloadFile } from './net/download';
import type { ImportType } from './types';

/** Step 1: the import types the user may run, what each does, its columns and its template. */
export default function NewImportPage() {
  const env = useImportsEnv();
  const { t, api, token, language } = env;
  const [types, setTypes] = useState<ImportType[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    api.types().then(setTypes, (error) => setProblem(asProblem(error)));
  }, [api]);

  const template = async (type: ImportType, format: 'xlsx' | 'csv') => {
    setProblem(null);
    try {
      const fallback = format === 'xlsx' ? type.templateFileName : type.templateFileName.replace(/\.xlsx$/, '.csv');
      const name = await downloadFile(`/api/import-types/${encodeURIComponent(type.key)}/template?format=${format}`, token(), language, fallback);
      setNotice(t('imports.actions.downloaded', { name }));
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <section className="imp-page" aria-labelledby="imp-new-title">
      <div className="imp-page__head">
        <h1 id="imp-new-title" tabIndex={-1}>
          {t('imports.choose.title')}
        </h1>
        <AppLink to="/admin/imports">{t('imports.detail.log')}</AppLink>
      </div>
      <p>{t('imports.choose.intro')}</p>
      {problem ? <ProblemMessage title={t('imports.actions.refused')} problem={problem} /> : null}
      <p className="imp-visually-hidden" role="status">
        {notice}
      </p>
      {types === null && !problem ? <p>{t('imports.loading')}</p> : null}
      {types?.length === 0 ? <p>{t('imports.choose.none')}</p> : null}
      <ul className="imp-types">
        {types?.map((type) => (
          <li key={type.key} className="imp-card" data-type={type.key}>
            <h2 id={`imp-type-${type.key}`}>{typeText(env, type, 'title')}</h2>
            <p>{typeText(env, type, 'description')}</p>
            {type.validateOnlyByDefault ? <p className="imp-muted">{t('imports.choose.validateOnly')}</p> : null}
            <p className="imp-muted">{t('imports.choose.accepts', { kinds: type.fileKinds.map((kind) => `.${kind}`).join(', ') })}</p>
            <details>
              <summary>{t('imports.choose.columns')}</summary>
              <ul className="imp-columns">
                {type.columns.map((column) => (
                  <li key={column.key}>
                    <strong>{column.header}</strong>
                    {column.mandatory ? <span className="imp-tag imp-tag--mandatory">{t('imports.choose.mandatory')}</span> : null}
                    {column.note ? <span className="imp-muted"> — {column.note}</span> : null}
                  </li>
                ))}
              </ul>
            </details>
            <div className="imp-card__actions">
              <AppLink to={`/admin/imports/new/${encodeURIComponent(type.key)}`} className="imp-button imp-button--primary">
                <span>{t('imports.choose.upload')}</span>
                <span className="imp-visually-hidden">: {typeText(env, type, 'title')}</span>
              </AppLink>
              {type.fileKinds.includes('zip') ? null : (
                <>
                  <button type="button" className="imp-button" onClick={() => void template(type, 'xlsx')} aria-describedby={`imp-type-${type.key}`}>
                    {t('imports.choose.template', { format: 'XLSX' })}
                  </button>
                  <button type="button" className="imp-button" onClick={() => void template(type, 'csv')} aria-describedby={`imp-type-${type.key}`}>
                    {t('imports.choose.template', { format: 'CSV' })}
                  </button>
                </>
              )}
              {type.fileKinds.includes('zip') ? (
                <button type="button" className="imp-button" onClick={() => void template(type, 'xlsx')} aria-describedby={`imp-type-${type.key}`}>
                  {t('imports.choose.template', { format: 'XLSX' })}
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
