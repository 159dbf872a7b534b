export type DetectedFileType = { mediaType: 'application/pdf' | 'image/png' | 'image/jpeg'; extension: 'pdf' | 'png' | 'jpg' };

/**
 * Decides a file's type from its first bytes, never from its name. A PDF may carry a few bytes of
 * junk before `%PDF-` (Acrobat accepts up to 1 KiB), so the marker is looked for in the first 1024 bytes.
 */
export function detectFileType(head: Buffer): DetectedFileType | undefined {
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { mediaType: 'image/png', extension: 'png' };
  }
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return { mediaType: 'image/jpeg', extension: 'jpg' };
  }
  const pdfMarker = head.subarray(0, 1024).indexOf('%PDF-');
  if (pdfMarker >= 0) return { mediaType: 'application/pdf', extension: 'pdf' };
  return undefined;
}
