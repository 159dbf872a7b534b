import { describe, expect, it } from 'vitest';
import { cleanFileName } from './upload-external-certificate.handler.js';

describe('cleanFileName', () => {
  it('keeps the name, drops any path and control characters', () => {
    expect(cleanFileName('Zertifikat für Lucy.pdf')).toBe('Zertifikat für Lucy.pdf');
    expect(cleanFileName('C:\\Users\\x\\cert.pdf')).toBe('cert.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('a\u0000b\nc.pdf')).toBe('abc.pdf');
  });
  it('names a nameless file and cuts a long one at 200 characters', () => {
    expect(cleanFileName('   ')).toBe('certificate.pdf');
    expect(cleanFileName('x'.repeat(300))).toHaveLength(200);
  });
});
