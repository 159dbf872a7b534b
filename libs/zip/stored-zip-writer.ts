import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** General purpose flag bit 11: the name is UTF-8. */
const UTF8_NAMES = 0x0800;
/** 1980-01-01 00:00 in MS-DOS date/time: the content, not the clock, decides the bytes. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const MAX_32 = 0xffffffff;

interface Written {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

/**
 * Writes a ZIP of stored (uncompressed) entries whose local headers carry the real sizes and CRC (no
 * data descriptors), so that a reader walking the local headers, like exceljs's unzipper, sees exactly
 * the entries written here and where each one ends. No ZIP64: an archive over 4 GiB is refused.
 */
export class StoredZipWriter {
  private readonly entries: Written[] = [];
  private offset = 0;

  private constructor(private readonly file: FileHandle) {}

  static async create(path: string): Promise<StoredZipWriter> {
    return new StoredZipWriter(await open(path, 'w', 0o600));
  }

  /** Copies `content` into the archive as entry `name`. An error from `content` aborts the entry and is thrown. */
  async add(name: string, content: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    if (this.entries.length >= 0xffff) throw new Error('stored ZIP over 65,535 entries');
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.offset;
    const headerSize = 30 + nameBytes.length;
    let position = offset + headerSize;
    let crc = 0;
    let size = 0;
    for await (const chunk of content) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (position + chunk.length > MAX_32) throw new Error('stored ZIP over 4 GiB');
      await this.write(chunk, position);
      position += chunk.length;
    }
    await this.write(localHeader(nameBytes, crc, size), offset);
    this.entries.push({ name: nameBytes, crc, size, offset });
    this.offset = position;
  }

  /** Writes the central directory and closes the file. */
  async finish(): Promise<void> {
    try {
      const start = this.offset;
      const central = Buffer.concat(this.entries.map(centralHeader));
      await this.write(central, start);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
      end.writeUInt16LE(this.entries.length, 8);
      end.writeUInt16LE(this.entries.length, 10);
      end.writeUInt32LE(central.length, 12);
      end.writeUInt32LE(start, 16);
      await this.write(end, start + central.length);
    } finally {
      await this.file.close();
    }
  }

  /** Closes the file without finishing it (the caller removes it). */
  async abort(): Promise<void> {
    await this.file.close().catch(() => {});
  }

  private async write(bytes: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }
}

function localHeader(name: Buffer, crc: number, size: number): Buffer {
  const header = Buffer.alloc(30 + name.length);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(10, 4); // version needed: 1.0 (stored)
  header.writeUInt16LE(UTF8_NAMES, 6);
  header.writeUInt16LE(0, 8); // method: stored
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(crc >>> 0, 14);
  header.writeUInt32LE(size, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(0, 28);
  name.copy(header, 30);
  return header;
}

function centralHeader(entry: Written): Buffer {
  const header = Buffer.alloc(46 + entry.name.length);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
  header.writeUInt16LE(10, 6);
  header.writeUInt16LE(UTF8_NAMES, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(0, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc >>> 0, 16);
  header.writeUInt32LE(entry.size, 20);
  header.writeUInt32LE(entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt32LE(entry.offset, 42);
  entry.name.copy(header, 46);
  return header;
}
