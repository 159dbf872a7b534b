import { describe, expect, it } from 'vitest';
import { detectFileType } from './file-type.js';

describe('detectFileType', () => {
  it('recognises PDF, PNG and JPEG by their bytes', () => {
    expect(detectFileType(Buffer.from('%PDF-1.7\n...'))?.mediaType).toBe('application/pdf');
    expect(detectFileType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))?.mediaType).toBe('image/png');
    expect(detectFileType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))?.mediaType).toBe('image/jpeg');
  });

  it('accepts a PDF with a short preamble before the marker', () => {
    expect(detectFileType(Buffer.concat([Buffer.alloc(100, 0x20), Buffer.from('%PDF-1.4')]))?.extension).toBe('pdf');
  });

  it('rejects anything else, whatever it is called', () => {
    expect(detectFileType(Buffer.from('MZ\x90\x00 this is an exe'))).toBeUndefined();
    expect(detectFileType(Buffer.from('PK\x03\x04 zip'))).toBeUndefined();
    expect(detectFileType(Buffer.alloc(0))).toBeUndefined();
  });
});
