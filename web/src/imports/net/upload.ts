import { toProblem, type Problem } from '../model/problems';
import { reportUnauthorized } from './unauthorized';

export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0..100 */
  percent: number;
}

export interface UploadRequest {
  url: string;
  token: string | undefined;
  language: string;
  fields: Record<string, string>;
  file: Blob & { name?: string };
  fileName: string;
  onProgress(progress: UploadProgress): void;
}

export interface UploadHandle<T> {
  /** Resolves with the 202 body; rejects with a Problem (the server's refusal, a network error, or an abort). */
  done: Promise<T>;
  abort(): void;
}

/**
 * Uploads a file as multipart/form-data with XMLHttpRequest, the only browser API that reports the
 * progress of a request body (fetch does not). The fields go BEFORE the file, so that the API can refuse a
 * type the user may not run before a byte of a 500 MB ZIP is stored. A refusal (413, 415, 403, 400) comes
 * back as the API's problem document.
 */
export function uploadWithProgress<T>(request: UploadRequest, createXhr: () => XMLHttpRequest = () => new XMLHttpRequest()): UploadHandle<T> {
  const xhr = createXhr();
  const done = new Promise<T>((resolve, reject) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(request.fields)) form.append(key, value);
    form.append('file', request.file, request.fileName);
    xhr.open('POST', request.url);
    if (request.token) xhr.setRequestHeader('Authorization', `Bearer ${request.token}`);
    xhr.setRequestHeader('Accept-Language', request.language);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.upload.onprogress = (event) => {
      const total = event.lengthComputable ? event.total : request.file.size;
      request.onProgress({ loaded: event.loaded, total, percent: total > 0 ? Math.min(100, Math.floor((event.loaded / total) * 100)) : 0 });
    };
    // The body has been sent: 100 %, even when the browser reported no progress event for a small file.
    xhr.upload.onload = () => request.onProgress({ loaded: request.file.size, total: request.file.size, percent: 100 });
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        // not JSON: a proxy's page; the status says enough
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        request.onProgress({ loaded: request.file.size, total: request.file.size, percent: 100 });
        resolve(body as T);
      } else {
        if (xhr.status === 401) reportUnauthorized();
        reject(toProblem(xhr.status, body, `${xhr.status} ${xhr.statusText}`));
      }
    };
    xhr.onerror = () => reject({ status: 0, code: 'NETWORK', message: 'network' } satisfies Problem);
    xhr.onabort = () => reject({ status: 0, code: 'ABORTED', message: 'aborted' } satisfies Problem);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/** The file kinds a type accepts as the file picker's `accept`. */
export function acceptOf(fileKinds: string[]): string {
  return fileKinds.map((kind) => `.${kind}`).join(',');
}

/** Whether a chosen file has an extension the type accepts (the API checks again). */
export function acceptsFile(fileKinds: string[], fileName: string): boolean {
  const extension = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return !!extension && fileKinds.map((kind) => kind.toLowerCase()).includes(extension);
}
