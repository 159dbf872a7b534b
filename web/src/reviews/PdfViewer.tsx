import { useEffect, useState } from 'react';
import { useApi, useI18n } from './wiring';
import { formatBytes, Notice, problemText, unwrap } from './shared';

/**
 * The uploaded PDF, shown inline. The file route needs the bearer token, so it is fetched as a blob and shown
 * from a blob: URL (the admin CSP allows blob: frames for this and nothing else). The blob is typed
 * application/pdf whatever the answer says, so the browser only ever hands it to its PDF viewer.
 */
export function PdfViewer({ id, name, fileName, size }: { id: string; name: string; fileName: string; size: number }) {
  const api = useApi();
  const { t, locale } = useI18n();
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let cancelled = false;
    let created: string | undefined;
    setUrl(undefined);
    setError(undefined);
    (async () => {
      const result = await api.GET('/api/external-certificates/{id}/file', { params: { path: { id } }, parseAs: 'blob' });
      const data = unwrap(result) as unknown as Blob;
      const pdf = new Blob([await data.arrayBuffer()], { type: 'application/pdf' });
      if (cancelled) return;
      created = URL.createObjectURL(pdf);
      setUrl(created);
    })().catch((failure: unknown) => {
      if (!cancelled) setError(failure);
    });
    return () => {
      cancelled = true;
      if (created) URL.revokeObjectURL(created);
    };
  }, [api, id]);

  if (error) return <Notice kind="error">{problemText(error, t('review.pdf.failed'))}</Notice>;
  if (!url) return <p role="status">{t('review.pdf.loading')}</p>;
  return (
    <div className="w3-pdf">
      <iframe className="w3-pdf-frame" src={url} title={t('review.pdf.frame', { name })} data-testid="certificate-pdf" />
      <p>
        <a href={url} download={fileName}>
          {t('review.pdf.download', { size: formatBytes(size, locale) })}
        </a>
      </p>
    </div>
  );
}
