import { Transform, type Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

export interface ZipLimits {
  maxEntries: number;
  maxTotalUncompressedBytes: number;
  /**
   * Largest uncompressed/compressed ratio accepted for an entry over 1 MiB (zip bombs reach thousands),
   * and for the archive as a whole once it unpacks to more than 1 MiB: many small entries of zeros
   * pass the per-entry check one by one but not the whole-archive one.
   */
  maxCompressionRatio: number;
}

/** Below this many unpacked bytes neither an entry nor an archive is held to the ratio: too small to hurt. */
export const RATIO_FLOOR_BYTES = 1024 ** 2;

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 2 * 1024 ** 3,
  maxCompressionRatio: 200,
};

/** Why a ZIP was refused as a whole. `code` is a stable message key; `params` fill the message. */
export class ZipRejected extends Error {
  constructor(
    readonly code: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${code} ${JSON.stringify(params)}`);
    this.name = 'ZipRejected';
  }
}

export interface ZipFileEntry {
  /** Path inside the ZIP as written by the archiver. */
  path: string;
  /** Path relative to the effective root (a single wrapping folder removed). */
  relativePath: string;
  size: number;
  entry: Entry;
}

export interface ZipListing {
  files: ZipFileEntry[];
  /** Entries skipped as operating-system junk: __MACOSX/, ._*, .DS_Store, Thumbs.db, Office owner files ~$*. */
  ignored: string[];
  /** Set when every file sat inside this one top-level folder, which is then treated as the root. */
  wrappingFolder?: string;
}

const JUNK = (path: string) => {
  const parts = path.split('/');
  const base = parts[parts.length - 1];
  // `~$name.xlsx` is the owner file Office leaves beside a workbook that is open: not a second spreadsheet.
  return parts[0] === '__MACOSX' || base.startsWith('._') || base.startsWith('~$') || base === '.DS_Store' || base === 'Thumbs.db' || base === 'desktop.ini';
};

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * Opens a ZIP for reading entry by entry, after checking the whole central directory: entry count,
 * declared sizes and ratios (zip bombs), unsafe paths (absolute, `..`), symlinks and encryption.
 * Nothing is extracted until every check passed; yauzl verifies actual sizes against the declared ones
 * while streaming.
 */
export class SafeZip {
  /** Bytes actually inflated so far through openFile, over all entries: declared sizes are not trusted. */
  private inflated = 0;

  private constructor(
    private readonly zip: ZipFile,
    readonly listing: ZipListing,
    private readonly limits: ZipLimits,
  ) {}

  /** Bytes unpacked so far (all entries opened through this SafeZip). */
  get inflatedBytes(): number {
    return this.inflated;
  }

  static async open(path: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<SafeZip> {
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (error, file) =>
        error ? reject(new ZipRejected('ZIP.CORRUPT', { reason: error.message })) : resolve(file),
      ),
    );
    try {
      if (zip.entryCount > limits.maxEntries) throw new ZipRejected('ZIP.TOO_MANY_ENTRIES', { count: zip.entryCount, max: limits.maxEntries });
      const entries = await readAllEntries(zip);
      return new SafeZip(zip, checkAndList(entries, limits), limits);
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  /**
   * Streams one entry. Damage found while unpacking (bad deflate data, more bytes than the entry
   * declared) errors the stream with ZIP.CORRUPT naming the entry, like damage found on opening. The
   * bytes really inflated are counted over the whole archive and held to the same limits as the
   * declared sizes (total, and ratio to the archive's size), whatever the central directory says.
   */
  async openFile(file: ZipFileEntry): Promise<Readable> {
    const entry = await new Promise<Readable>((resolve, reject) =>
      this.zip.openReadStream(file.entry, (error, stream) =>
        error ? reject(new ZipRejected('ZIP.CORRUPT', { reason: `${file.path}: ${error.message}` })) : resolve(stream),
      ),
    );
    const limits = this.limits;
    const archiveBytes = Math.max(this.zip.fileSize, 1);
    const out = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.inflated += chunk.length;
        if (this.inflated > limits.maxTotalUncompressedBytes) {
          callback(new ZipRejected('ZIP.TOO_LARGE_UNCOMPRESSED', { maxMegabytes: Math.round(limits.maxTotalUncompressedBytes / 1024 ** 2) }));
        } else if (this.inflated > RATIO_FLOOR_BYTES && this.inflated / archiveBytes > limits.maxCompressionRatio) {
          callback(new ZipRejected('ZIP.SUSPICIOUS_RATIO', { path: file.path, ratio: Math.round(this.inflated / archiveBytes) }));
        } else {
          callback(null, chunk);
        }
      },
    });
    entry.on('error', (error: Error) => out.destroy(new ZipRejected('ZIP.CORRUPT', { reason: `${file.path}: ${error.message}` })));
    out.on('close', () => entry.destroy());
    return entry.pipe(out);
  }

  close(): void {
    if (this.zip.isOpen) this.zip.close();
  }
}

/** Extra fields or a comment of one entry beyond this refuse the archive (real ones are tens of bytes). */
const MAX_ENTRY_METADATA_BYTES = 4096;

function readAllEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      // Metadata no real archiver writes that large: yauzl parses every extra field of an entry and decodes its
      // comment character by character, ~5 MB of memory per entry at the format's maximum, before any other check.
      if (entry.extraFieldLength > MAX_ENTRY_METADATA_BYTES || entry.fileCommentLength > MAX_ENTRY_METADATA_BYTES) {
        zip.close();
        reject(new ZipRejected('ZIP.CORRUPT', { reason: `${entry.fileName.slice(0, 200)}: ${Math.max(entry.extraFieldLength, entry.fileCommentLength)} bytes of entry metadata (at most ${MAX_ENTRY_METADATA_BYTES})` }));
        return;
      }
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: Error) => {
      const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/.exec(error.message);
      reject(unsafe ? new ZipRejected('ZIP.UNSAFE_PATH', { path: unsafe[2] }) : new ZipRejected('ZIP.CORRUPT', { reason: error.message }));
    });
    zip.readEntry();
  });
}

function checkAndList(entries: Entry[], limits: ZipLimits): ZipListing {
  const ignored: string[] = [];
  const files: { path: string; size: number; entry: Entry }[] = [];
  let total = 0;
  let totalCompressed = 0;
  for (const entry of entries) {
    const path = entry.fileName;
    if (path.endsWith('/')) continue;
    if (JUNK(path)) {
      ignored.push(path);
      continue;
    }
    if ((entry.generalPurposeBitFlag & 0x1) !== 0) throw new ZipRejected('ZIP.ENCRYPTED', { path });
    const unixMode = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (unixMode === S_IFLNK) throw new ZipRejected('ZIP.SYMLINK', { path });
    total += entry.uncompressedSize;
    totalCompressed += entry.compressedSize;
    if (total > limits.maxTotalUncompressedBytes) {
      throw new ZipRejected('ZIP.TOO_LARGE_UNCOMPRESSED', { maxMegabytes: Math.round(limits.maxTotalUncompressedBytes / 1024 ** 2) });
    }
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES && entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio) {
      throw new ZipRejected('ZIP.SUSPICIOUS_RATIO', { path, ratio: Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1)) });
    }
    files.push({ path, size: entry.uncompressedSize, entry });
  }
  // The whole archive: 2,000 near-empty 1 MiB entries each stay under the per-entry floor; together
  // they are a bomb. Operating-system junk is never unpacked and counts for neither side.
  if (total > RATIO_FLOOR_BYTES && total / Math.max(totalCompressed, 1) > limits.maxCompressionRatio) {
    throw new ZipRejected('ZIP.SUSPICIOUS_ARCHIVE_RATIO', { ratio: Math.round(total / Math.max(totalCompressed, 1)), max: limits.maxCompressionRatio, files: files.length });
  }
  const topFolders = new Set(files.map((f) => (f.path.includes('/') ? f.path.split('/')[0] : '')));
  const wrappingFolder = files.length > 0 && topFolders.size === 1 && !topFolders.has('') ? [...topFolders][0] : undefined;
  return {
    files: files.map((f) => ({ ...f, relativePath: wrappingFolder ? f.path.slice(wrappingFolder.length + 1) : f.path })),
    ignored,
    wrappingFolder,
  };
}
