import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './content-disposition.js';

describe('attachmentDisposition', () => {
  it('keeps plain names as they are', () => {
    expect(attachmentDisposition('diploma.pdf')).toBe(`attachment; filename="diploma.pdf"; filename*=UTF-8''diploma.pdf`);
  });

  it('encodes non-ASCII names per RFC 5987 and gives an ASCII fallback', () => {
    const header = attachmentDisposition('Getuigschrift Zoë (2024).pdf');
    expect(header).toContain(`filename="Getuigschrift Zo_ (2024).pdf"`);
    expect(header).toContain(`filename*=UTF-8''Getuigschrift%20Zo%C3%AB%20%282024%29.pdf`);
    expect(decodeURIComponent(header.split("UTF-8''")[1])).toBe('Getuigschrift Zoë (2024).pdf');
  });

  it('cannot be broken out of by quotes or separators in the name', () => {
    const header = attachmentDisposition('a";b=c\\.pdf');
    expect(header.startsWith('attachment; filename="a__b=c_.pdf"; ')).toBe(true);
  });
});
