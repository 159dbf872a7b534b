import { createReadStream, type ReadStream } from 'node:fs';
import { isAscii } from 'node:buffer';
import type { Transform } from 'node:stream';
import { readFileHead } from '#libs/storage/file-head.js';
import { decoderDecidedByFirstNonAscii, decoderFor, detectEncoding, type TextEncodingName } from './spreadsheet-reader.js';

/** The decoded text of a file, as a stream of strings, and how to close it (file and decoder). */
export interface DecodedText {
  /** The encoding the sample decided; a long ASCII sample leaves the choice to the first non-ASCII bytes. */
  encoding: TextEncodingName;
  /** The first line of the sample, without a BOM (for delimiter detection). */
  firstLine: string;
  text: Transform;
  /** Closes the file and the decoder; resolves once the file descriptor is released. */
  close(): Promise<void>;
}

const SAMPLE_SIZE = 64 * 1024;

/**
 * Opens a delimited text file (CSV, tab-delimited TXT) with the encoding detection readCsv uses: a BOM
 * wins (UTF-8, UTF-16LE/BE); otherwise valid UTF-8 is UTF-8 and anything else Windows-1252; a long file
 * whose first 64 KB are plain ASCII is decided by its first non-ASCII bytes. Same steps as readCsv, kept
 * here so the TXT reader shares them without touching readCsv.
 */
export async function openDecodedText(path: string): Promise<DecodedText> {
  const head = await readFileHead(path, SAMPLE_SIZE);
  const encoding = detectEncoding(head, head.length < SAMPLE_SIZE);
  const headText = new TextDecoder(encoding).decode(head, { stream: true }).replace(/^\uFEFF/, '');
  const firstLine = headText.split(/\r?\n/)[0] ?? '';
  const decode = head.length >= SAMPLE_SIZE && isAscii(head) ? decoderDecidedByFirstNonAscii() : decoderFor(encoding);
  const source = createReadStream(path);
  source.on('error', (error) => decode.destroy(error));
  const text = source.pipe(decode);
  return { encoding, firstLine, text, close: () => closeAll(source, decode) };
}

/** Destroys the streams and waits until the file is closed (so that an early stop leaks no descriptor). */
export async function closeAll(source: ReadStream, ...others: { destroy(): unknown }[]): Promise<void> {
  for (const other of others) other.destroy();
  if (source.closed) return;
  await new Promise<void>((resolve) => {
    source.once('close', () => resolve());
    source.destroy();
  });
}
