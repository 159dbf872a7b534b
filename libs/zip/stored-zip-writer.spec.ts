import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SafeZip } from './safe-zip.js';
import { StoredZipWriter } from './stored-zip-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'stored-zip-'));

describe('StoredZipWriter', () => {
  it('writes stored entries that a central-directory reader reads back, with sizes and CRC in the local headers', async () => {
    const path = join(dir, 'a.zip');
    const writer = await StoredZipWriter.create(path);
    const big = Buffer.alloc(3 * 1024 ** 2, 'abc');
    await writer.add('xl/workbook.xml', Readable.from([Buffer.from('<workbook/>')]));
    await writer.add('xl/worksheets/sheet1.xml', Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
    await writer.add('xl/empty.xml', Readable.from([]));
    await writer.add('naïve.xml', Readable.from([Buffer.from('é')]));
    await writer.finish();

    const zip = await SafeZip.open(path);
    try {
      expect(zip.listing.files.map((f) => [f.path, f.size])).toEqual([
        ['xl/workbook.xml', 11],
        ['xl/worksheets/sheet1.xml', big.length],
        ['xl/empty.xml', 0],
        ['naïve.xml', 2],
      ]);
      expect((await buffer(await zip.openFile(zip.listing.files[1]))).equals(big)).toBe(true);
      expect((await buffer(await zip.openFile(zip.listing.files[3]))).toString()).toBe('é');
    } finally {
      zip.close();
    }
    const bytes = readFileSync(path);
    expect(bytes.readUInt16LE(6) & 0x08).toBe(0); // no data descriptor
    expect(bytes.readUInt32LE(22)).toBe(11); // uncompressed size in the local header
    expect(bytes.readUInt32LE(14)).toBe(crc32(Buffer.from('<workbook/>')));
  });

  it('passes on an error of the content and can be aborted', async () => {
    const writer = await StoredZipWriter.create(join(dir, 'b.zip'));
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('part');
        throw new Error('too large');
      })(),
    );
    await expect(writer.add('x.xml', failing)).rejects.toThrow('too large');
    await writer.abort();
  });
});
