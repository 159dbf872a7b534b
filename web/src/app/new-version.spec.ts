import { describe, expect, it } from 'vitest';
import { isChunkLoadError } from './new-version';

describe('isChunkLoadError', () => {
  it("recognises each browser's words for a part of the app that could not be loaded", () => {
    expect(isChunkLoadError(new TypeError('Failed to fetch dynamically imported module: https://x/admin/assets/ReviewsPage-3tKMex-g.js'))).toBe(true);
    expect(isChunkLoadError(new TypeError('error loading dynamically imported module: https://x/admin/assets/pages.js'))).toBe(true);
    expect(isChunkLoadError(new TypeError('Importing a module script failed.'))).toBe(true);
    expect(isChunkLoadError(new Error('Unable to preload CSS for /admin/assets/pages-CFDmt8yt.css'))).toBe(true);
  });

  it('leaves other errors to the generic message', () => {
    expect(isChunkLoadError(new TypeError("Cannot read properties of undefined (reading 'map')"))).toBe(false);
    expect(isChunkLoadError(new Error('Failed to fetch'))).toBe(false);
    expect(isChunkLoadError('Failed to fetch dynamically imported module')).toBe(false);
    expect(isChunkLoadError(undefined)).toBe(false);
  });
});
