import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { SafeZip, ZipRejected } from './safe-zip.js';

const dir = mkdtempSync(join(tmpdir(), 'zip-'));
let counter = 0;

async function zipOf(entries: { name: string; content?: Buffer; mode?: number; compress?: boolean; fileComment?: string }[]): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    zip.addBuffer(entry.content ?? Buffer.from('x'), entry.name, { mode: entry.mode, compress: entry.compress ?? true, ...(entry.fileComment ? { fileComment: entry.fileComment } : {}) });
  }
  zip.end();
  const bytes = await buffer(zip.outputStream as unknown as NodeJS.ReadableStream);
  const path = join(dir, `t${counter++}.zip`);
  writeFileSync(path, bytes);
  return path;
}

async function rejection(path: string, limits?: Parameters<typeof SafeZip.open>[1]) {
  try {
    (await SafeZip.open(path, limits)).close();
  } catch (error) {
    return error as ZipRejected;
  }
  throw new Error('expected the ZIP to be rejected');
}

describe('SafeZip', () => {
  it('lists files, skips macOS and Windows junk, and streams content', async () => {
    const path = await zipOf([
      { name: 'certs.xlsx', content: Buffer.from('sheet') },
      { name: 'a.pdf', content: Buffer.from('%PDF-1.4') },
      { name: '__MACOSX/._a.pdf' },
      { name: '._b.pdf' },
      { name: '.DS_Store' },
    ]);
    const zip = await SafeZip.open(path);
    expect(zip.listing.files.map((f) => f.relativePath)).toEqual(['certs.xlsx', 'a.pdf']);
    expect(zip.listing.ignored).toEqual(['__MACOSX/._a.pdf', '._b.pdf', '.DS_Store']);
    expect(zip.listing.wrappingFolder).toBeUndefined();
    expect((await buffer(await zip.openFile(zip.listing.files[1]))).toString()).toBe('%PDF-1.4');
    zip.close();
  });

  it('treats a single wrapping folder as the root', async () => {
    const zip = await SafeZip.open(await zipOf([{ name: 'export/certs.xlsx' }, { name: 'export/a.pdf' }]));
    expect(zip.listing.wrappingFolder).toBe('export');
    expect(zip.listing.files.map((f) => f.relativePath)).toEqual(['certs.xlsx', 'a.pdf']);
    zip.close();
  });

  it('refuses path traversal and absolute paths', async () => {
    const traversal = await zipOf([{ name: 'ok.pdf' }]);
    // yazl refuses to write such names, so patch the name bytes in the finished archive.
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(traversal);
    const patched = Buffer.from(bytes.toString('latin1').replaceAll('ok.pdf', '../x.p'), 'latin1');
    writeFileSync(traversal, patched);
    expect((await rejection(traversal)).code).toBe('ZIP.UNSAFE_PATH');
  });

  it('refuses symlinks', async () => {
    const path = await zipOf([{ name: 'link.pdf', content: Buffer.from('/etc/passwd'), mode: 0o120777 }]);
    expect((await rejection(path)).code).toBe('ZIP.SYMLINK');
  });

  it('refuses more entries than allowed', async () => {
    const path = await zipOf(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.pdf` })));
    const error = await rejection(path, { maxEntries: 10, maxTotalUncompressedBytes: 1e9, maxCompressionRatio: 100 });
    expect(error.code).toBe('ZIP.TOO_MANY_ENTRIES');
    expect(error.params).toMatchObject({ count: 12, max: 10 });
  });

  it('refuses zip bombs by ratio and by total size', async () => {
    const bomb = await zipOf([{ name: 'zeros.pdf', content: Buffer.alloc(20 * 1024 ** 2) }]);
    expect((await rejection(bomb)).code).toBe('ZIP.SUSPICIOUS_RATIO');
    const big = await zipOf([{ name: 'a.pdf', content: Buffer.alloc(2048), compress: false }]);
    expect((await rejection(big, { maxEntries: 10, maxTotalUncompressedBytes: 1024, maxCompressionRatio: 100 })).code).toBe('ZIP.TOO_LARGE_UNCOMPRESSED');
  });

  it('refuses an archive of many small near-empty entries by its ratio as a whole, though each entry passes alone', async () => {
    // Each entry is exactly 1 MiB, at the per-entry floor: on its own none is checked. 2,000 of them
    // (the 3 MB ZIP that unpacks to 2 GB) scaled down to 20.
    const entries = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}.pdf`, content: Buffer.alloc(1024 ** 2) }));
    const error = await rejection(await zipOf([{ name: 'certs.csv', content: Buffer.from('a,b\n') }, ...entries]));
    expect(error.code).toBe('ZIP.SUSPICIOUS_ARCHIVE_RATIO');
    expect(error.params).toMatchObject({ files: 21, max: 200 });
    expect(Number(error.params.ratio)).toBeGreaterThan(200);
  });

  it('accepts a small archive however well it compresses, and ordinary ratios above the floor', async () => {
    (await SafeZip.open(await zipOf([{ name: 'rows.csv', content: Buffer.alloc(512 * 1024, 'a,b,c\n') }]))).close();
    const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `L-${i},VCA-${i % 7},2024-03-${(i % 28) + 1}`).join('\n'));
    expect(text.length).toBeGreaterThan(1024 ** 2);
    (await SafeZip.open(await zipOf([{ name: 'rows.csv', content: text }, { name: 'scan.pdf', content: randomBytes(64 * 1024) }]))).close();
  });

  it('counts the bytes really unpacked over the whole archive, not the declared sizes', async () => {
    const path = await zipOf([{ name: 'a.pdf', content: randomBytes(600 * 1024), compress: false }]);
    const zip = await SafeZip.open(path, { maxEntries: 10, maxTotalUncompressedBytes: 1024 ** 2, maxCompressionRatio: 100 });
    expect((await buffer(await zip.openFile(zip.listing.files[0]))).length).toBe(600 * 1024);
    expect(zip.inflatedBytes).toBe(600 * 1024);
    // The same entry unpacked again brings the total over the limit: the stream stops there.
    const error = await buffer(await zip.openFile(zip.listing.files[0])).catch((e: unknown) => e);
    zip.close();
    expect((error as ZipRejected).code).toBe('ZIP.TOO_LARGE_UNCOMPRESSED');
  });

  it('refuses encrypted entries', async () => {
    const path = await zipOf([{ name: 'secret.pdf', content: Buffer.from('%PDF') }]);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    // Set bit 0 (encrypted) of the general purpose flag in the local and central headers.
    for (const signature of [0x04034b50, 0x02014b50]) {
      let at = bytes.indexOf(Buffer.from(new Uint32Array([signature]).buffer));
      while (at >= 0) {
        const flagOffset = signature === 0x04034b50 ? at + 6 : at + 8;
        bytes.writeUInt16LE(bytes.readUInt16LE(flagOffset) | 1, flagOffset);
        at = bytes.indexOf(Buffer.from(new Uint32Array([signature]).buffer), at + 4);
      }
    }
    writeFileSync(path, bytes);
    expect((await rejection(path)).code).toBe('ZIP.ENCRYPTED');
  });

  it('refuses an entry with kilobytes of metadata (a comment or extra fields) before keeping it, and takes ordinary ones', async () => {
    const bloated = await rejection(await zipOf([{ name: 'a.pdf' }, { name: 'b.pdf', fileComment: 'c'.repeat(10_000) }]));
    expect(bloated.code).toBe('ZIP.CORRUPT');
    expect(bloated.params.reason).toContain('b.pdf: 10000 bytes of entry metadata');
    const ordinary = await SafeZip.open(await zipOf([{ name: 'a.pdf', fileComment: 'scanned 2024' }]));
    expect(ordinary.listing.files.map((file) => file.path)).toEqual(['a.pdf']);
    ordinary.close();
  });

  it('reports a corrupt or truncated archive', async () => {
    const path = join(dir, 'corrupt.zip');
    writeFileSync(path, Buffer.from('PK\x03\x04 this is not really a zip'));
    expect((await rejection(path)).code).toBe('ZIP.CORRUPT');
  });
});

describe('SafeZip streaming', () => {
  it('errors an entry stream with ZIP.CORRUPT when the entry unpacks to more than it declared', async () => {
    const path = await zipOf([{ name: 'zeros.pdf', content: Buffer.alloc(64 * 1024) }]);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(path);
    const central = bytes.indexOf(Buffer.from(new Uint32Array([0x02014b50]).buffer));
    bytes.writeUInt32LE(1000, central + 24); // the declared uncompressed size
    writeFileSync(path, bytes);
    const zip = await SafeZip.open(path);
    const error = await buffer(await zip.openFile(zip.listing.files[0])).catch((e: unknown) => e);
    zip.close();
    expect(error).toBeInstanceOf(ZipRejected);
    expect((error as ZipRejected).code).toBe('ZIP.CORRUPT');
    expect((error as ZipRejected).params.reason).toMatch(/^zeros\.pdf: too many bytes/);
  });
});
