/**
 * What browsers say when a lazily loaded part of the app cannot be fetched: after a deploy the file names
 * change (they carry content hashes), so a tab opened before it asks for files that are gone. Chromium,
 * Firefox and Safari word it differently; Vite's own preload helper adds the CSS case.
 */
const CHUNK_LOAD_FAILURES = [
  /Failed to fetch dynamically imported module/i,
  /error loading dynamically imported module/i,
  /Importing a module script failed/i,
  /Unable to preload CSS/i,
];

/** True when a screen failed because a part of the app could not be loaded (not because it threw). */
export function isChunkLoadError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return CHUNK_LOAD_FAILURES.some((pattern) => pattern.test(error.message));
}
