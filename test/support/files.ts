import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import yazl from 'yazl';
import { XlsxStreamWriter } from '#libs/spreadsheet/spreadsheet-writer.js';

export type Cell = string | number | boolean | Date | null;

/** An XLSX workbook in memory with one sheet: the header row, then the rows. */
export async function xlsx(header: string[], rows: Cell[][]): Promise<Buffer> {
  const out = new PassThrough();
  const done = buffer(out);
  const writer = new XlsxStreamWriter(out, header.map((h) => ({ header: h })));
  for (const row of rows) writer.addRow(row);
  await writer.finish();
  return done;
}

export function csv(header: string[], rows: Cell[][], delimiter = ','): Buffer {
  const line = (cells: Cell[]) => cells.map((c) => (c === null ? '' : String(c))).join(delimiter);
  return Buffer.from([line(header), ...rows.map(line)].join('\r\n') + '\r\n', 'utf8');
}

/** A ZIP in memory; `mode` lets a test add symlinks. */
export async function zip(entries: { name: string; content: Buffer; mode?: number; compress?: boolean }[]): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const entry of entries) archive.addBuffer(entry.content, entry.name, { mode: entry.mode, compress: entry.compress ?? true });
  archive.end();
  return buffer(archive.outputStream as unknown as NodeJS.ReadableStream);
}

/** A small but real PDF. */
export function pdf(label: string): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${label}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
export const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00'), Buffer.alloc(200, 1)]);
