/** Node's own default for `server.requestTimeout`; never go below it. */
export const NODE_DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/**
 * How long one HTTP request may take in total: long enough for the largest upload at the slowest rate
 * we still serve (e.g. 500 MiB at 128 KiB/s is about 67 minutes), and at least Node's default.
 */
export function uploadRequestTimeoutMs(maxUploadBytes: number, minUploadBytesPerSecond: number): number {
  return Math.max(NODE_DEFAULT_REQUEST_TIMEOUT_MS, Math.ceil(maxUploadBytes / minUploadBytesPerSecond) * 1000);
}
