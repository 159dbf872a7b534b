import { toProblem } from '../model/problems';
import { reportUnauthorized } from './unauthorized';

/** The file name of a download from its Content-Disposition (RFC 6266: filename* first). */
export function fileNameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition);
  return plain ? plain[1].trim() : fallback;
}

/**
 * Downloads a file of the API with the bearer token (a plain link cannot send it) and hands it to the
 * browser as a download. Rejects with the API's problem when it refuses (e.g. 400 IMPORTS.NO_FAILED_ROWS).
 */
export async function downloadFile(url: string, token: string | undefined, language: string, fallbackName: string): Promise<string> {
  const response = await fetch(url, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Accept-Language': language } });
  if (!response.ok) {
    if (response.status === 401) reportUnauthorized();
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw toProblem(response.status, body, `${response.status} ${response.statusText}`);
  }
  const blob = await response.blob();
  const name = fileNameOf(response.headers.get('content-disposition'), fallbackName);
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}

/**
 * Lets the browser download a file from a one-time URL (a download ticket: no Authorization header needed) by
 * itself: streamed to disk with the browser's own progress, however large, and without leaving the page (the
 * answer is an attachment). The ticket was checked when it was issued (access, and that there is such a file),
 * so only a server error can still answer instead of the file; the browser then shows that answer.
 */
export function downloadFromUrl(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
}
