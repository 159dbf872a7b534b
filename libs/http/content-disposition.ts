/**
 * `Content-Disposition: attachment` with the file's own name: a plain ASCII fallback in `filename`
 * and the exact UTF-8 name in `filename*` (RFC 6266 with the RFC 5987/8187 encoding).
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%;]/g, '_').trim() || 'download';
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** `Content-Disposition: inline` (shown in the browser, e.g. a PDF), with the same file name encoding. */
export function inlineDisposition(fileName: string): string {
  return attachmentDisposition(fileName).replace(/^attachment;/, 'inline;');
}
