import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { boundedCells, SpreadsheetUnreadable, type CellValue, type SheetLimits } from './spreadsheet-reader.js';
import { closeAll } from './text-decoding.js';

/** Which elements of an XML file are the rows, and which of their children are the columns. */
export interface XmlRecordSpec {
  /** Name of the element that is one row, exactly as written (prefix included: no namespace processing). */
  recordElement: string;
  /** Names of the child elements that are the columns, in column order; they are also the header. */
  fields: string[];
}

export interface XmlLimits {
  /** Most elements open at once. */
  maxDepth: number;
  /** Most characters of an element or attribute name. */
  maxNameLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 32, maxNameLength: 256 };

export interface XmlRow {
  /** 0 for the synthetic header, then the 1-based index of the record. */
  rowNumber: number;
  /** 1-based line where the record's start tag is (undefined for the header). */
  line?: number;
  cells: CellValue[];
}

export interface XmlReadOptions {
  limits: SheetLimits;
  xml?: Partial<XmlLimits>;
  /** Most records; one more refuses the file (SPREADSHEET.TOO_MANY_ROWS). */
  maxRows?: number;
}

/** Characters fed to the parser at once: how far a token may overshoot its limit before it is noticed. */
const SLICE = 16 * 1024;

/**
 * Streams the records of an XML file (saxes; memory does not grow with the file). First yields the header
 * `{ rowNumber: 0, cells: spec.fields }`, then one row per record element: its field children's text
 * (entities decoded, trimmed, NFC) in `spec.fields` order; a missing field is null, an empty one ''.
 * Trailing empty cells are dropped as for sheets; a record whose fields are all missing or blank is
 * skipped like a blank CSV line (its index is not reused, so rowNumber may skip it).
 *
 * Where records are: a record element is recognised at any depth outside another record (so both
 * `<people><person>` and `<export><people><person>` work). Elements outside records (wrappers, metadata)
 * and their text are ignored, as are attributes, comments and processing instructions; they are still
 * checked for well-formedness and limits.
 *
 * Refused (SpreadsheetUnreadable): any DOCTYPE (so no DTD, no external or internal entity: nothing is ever
 * fetched or expanded), any entity other than the five predefined ones and character references,
 * malformed XML (with line and column), an element inside a record that is not one of the fields, a field
 * given twice in a record, an element inside a field, text directly inside a record.
 *
 * Encoding: UTF-8 (with or without BOM) or UTF-16 with a BOM; an XML declaration naming any other
 * encoding (ISO-8859-1, Windows-1252...) is refused with XML.ENCODING_UNSUPPORTED rather than guessed;
 * bytes that are not valid in the encoding refuse the file (XML.ENCODING_INVALID).
 *
 * Limits: the fields of one record together, and any single token (text run, tag with its attributes,
 * comment, CDATA, processing instruction, DOCTYPE), at most `limits.maxRowBytes` characters; at most
 * `maxDepth` open elements; names at most `maxNameLength` characters; at most `maxRows` records;
 * `limits.maxColumns` as for the other readers (the fields count as columns).
 */
export async function* readXmlRecords(path: string, spec: XmlRecordSpec, options: XmlReadOptions): AsyncGenerator<XmlRow> {
  checkSpec(spec);
  const { limits } = options;
  const xmlLimits = { ...DEFAULT_XML_LIMITS, ...options.xml };
  const fieldIndex = new Map(spec.fields.map((field, index) => [field, index]));
  const maxKilobytes = Math.floor(limits.maxRowBytes / 1024);

  const parser = new SaxesParser({ xmlns: false, position: true });
  const ready: XmlRow[] = [];
  let depth = 0;
  let records = 0;
  let record: { index: number; line: number; depth: number; cells: CellValue[]; chars: number } | undefined;
  let field: { name: string; index: number; depth: number; text: string[] } | undefined;
  let lastToken = 0;
  let sliceStart = 0;
  let slice = '';
  let detected: 'utf-8' | 'utf-16le' | 'utf-16be' = 'utf-8';

  const tokenEnded = () => {
    lastToken = parser.position;
  };
  const where = () => ({ line: parser.line, column: parser.column });
  const checkName = (name: string) => {
    if (name.length > xmlLimits.maxNameLength) {
      throw new SpreadsheetUnreadable('XML.NAME_TOO_LONG', { name: `${name.slice(0, 40)}…`, length: name.length, max: xmlLimits.maxNameLength, ...where() });
    }
  };
  const addText = (text: string) => {
    if (field && record) {
      record.chars += text.length;
      if (record.chars > limits.maxRowBytes) throw new SpreadsheetUnreadable('SPREADSHEET.ROW_TOO_LARGE', { row: record.index, maxKilobytes });
      field.text.push(text);
    } else if (record && text.trim() !== '') {
      throw new SpreadsheetUnreadable('XML.TEXT_IN_RECORD', { record: record.index, line: record.line, text: text.trim().slice(0, 40) });
    }
  };

  parser.on('xmldecl', (declaration) => {
    tokenEnded();
    const named = declaration.encoding?.toLowerCase();
    if (named === undefined) return;
    const fits = detected === 'utf-8' ? named === 'utf-8' || named === 'utf8' : named === 'utf-16' || named === detected;
    if (!fits) throw new SpreadsheetUnreadable('XML.ENCODING_UNSUPPORTED', { encoding: declaration.encoding ?? '', detected: detected.toUpperCase() });
  });
  parser.on('doctype', () => {
    throw new SpreadsheetUnreadable('XML.DOCTYPE_REFUSED', where());
  });
  parser.on('processinginstruction', tokenEnded);
  parser.on('comment', tokenEnded);
  parser.on('attribute', (attribute) => checkName(attribute.name));
  parser.on('opentagstart', (tag) => {
    checkName(tag.name);
    if (depth + 1 > xmlLimits.maxDepth) throw new SpreadsheetUnreadable('XML.TOO_DEEP', { max: xmlLimits.maxDepth, ...where() });
    depth++;
    if (field && record) {
      throw new SpreadsheetUnreadable('XML.NESTED_FIELD', { element: tag.name, field: field.name, record: record.index, line: parser.line });
    }
    if (record) {
      const index = fieldIndex.get(tag.name);
      if (index === undefined) {
        throw new SpreadsheetUnreadable('XML.UNKNOWN_FIELD', { element: tag.name, record: record.index, line: parser.line, expected: spec.fields.join(', ') });
      }
      if (record.cells[index] !== null) throw new SpreadsheetUnreadable('XML.DUPLICATE_FIELD', { element: tag.name, record: record.index, line: parser.line });
      field = { name: tag.name, index, depth, text: [] };
      record.cells[index] = '';
    } else if (tag.name === spec.recordElement) {
      records++;
      record = { index: records, line: parser.line, depth, cells: spec.fields.map(() => null), chars: 0 };
    }
  });
  parser.on('opentag', tokenEnded);
  parser.on('text', (text) => {
    tokenEnded();
    addText(text);
  });
  parser.on('cdata', (text) => {
    tokenEnded();
    addText(text);
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    tokenEnded();
    if (field && record && depth === field.depth) {
      record.cells[field.index] = field.text.join('').trim().normalize('NFC');
      field = undefined;
    } else if (record && depth === record.depth && tag.name === spec.recordElement) {
      // A record with only empty fields is skipped, as blank lines are in CSV (its index stays used).
      const cells = boundedCells(record.index, record.cells, limits);
      if (cells.length > 0) ready.push({ rowNumber: record.index, line: record.line, cells });
      record = undefined;
    }
    depth--;
  });
  parser.on('error', (error) => {
    const { line, column } = where();
    const reason = error.message.replace(/^\d+:\d+: /, '');
    if (reason === 'undefined entity.' || reason === 'disallowed character in entity name.') {
      const before = slice.slice(0, Math.max(0, parser.position - sliceStart));
      const ampersand = before.lastIndexOf('&');
      const entity = ampersand >= 0 ? before.slice(ampersand + 1, -1).slice(0, 40) : '';
      throw new SpreadsheetUnreadable('XML.ENTITY_REFUSED', { entity, line, column });
    }
    throw new SpreadsheetUnreadable('XML.MALFORMED', { line, column, reason: reason.slice(0, 200) });
  });

  const feed = (text: string) => {
    for (let start = 0; start < text.length; start += SLICE) {
      slice = text.slice(start, start + SLICE);
      sliceStart = parser.position;
      parser.write(slice);
      if (parser.position - lastToken > limits.maxRowBytes) {
        throw new SpreadsheetUnreadable('XML.TOKEN_TOO_LARGE', { line: parser.line, maxKilobytes });
      }
    }
  };

  // maxRows is checked as records are handed out, not as they are parsed: the parser runs ahead through a
  // whole 64 KB chunk, and a caller that stops after maxRows records (the preview) must not be refused.
  const withinMaxRows = (row: XmlRow): XmlRow => {
    if (options.maxRows !== undefined && row.rowNumber > options.maxRows) throw new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_ROWS', { max: options.maxRows });
    return row;
  };
  yield { rowNumber: 0, cells: boundedCells(0, [...spec.fields], limits) };
  const source = createReadStream(path, { highWaterMark: 64 * 1024 });
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let head = Buffer.alloc(0);
  try {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (!decoder) {
          head = Buffer.concat([head, chunk]);
          if (head.length < 4) continue;
          detected = encodingOf(head);
          decoder = new TextDecoder(detected, { fatal: true });
          feed(decoder.decode(head, { stream: true }));
        } else {
          feed(decoder.decode(chunk, { stream: true }));
        }
        while (ready.length > 0) yield withinMaxRows(ready.shift()!);
      }
      if (!decoder) {
        detected = encodingOf(head);
        decoder = new TextDecoder(detected, { fatal: true });
        feed(decoder.decode(head, { stream: true }));
      }
      feed(decoder.decode());
      parser.close();
      while (ready.length > 0) yield withinMaxRows(ready.shift()!);
    } catch (error) {
      if (error instanceof SpreadsheetUnreadable) throw error;
      if (error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
        throw new SpreadsheetUnreadable('XML.ENCODING_INVALID', { encoding: detected.toUpperCase(), line: parser.line });
      }
      throw new SpreadsheetUnreadable('XML.MALFORMED', { line: parser.line, column: parser.column, reason: String((error as Error)?.message ?? error).slice(0, 200) });
    }
  } finally {
    await closeAll(source);
  }
}

/** UTF-8 (BOM or none) or UTF-16 with a BOM; UTF-16 without a BOM is refused (the XML spec requires one). */
function encodingOf(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if ((head[0] === 0x3c && head[1] === 0x00) || (head[0] === 0x00 && head[1] === 0x3c)) {
    throw new SpreadsheetUnreadable('XML.ENCODING_UNSUPPORTED', { encoding: 'UTF-16 without BOM', detected: 'UTF-16' });
  }
  // Bytes in another encoding would fail UTF-8 decoding before the parser sees the declaration: read its
  // encoding from the raw bytes (ASCII in every encoding this could be) to refuse it by name.
  const declared = /^(?:\xEF\xBB\xBF)?<\?xml\s[^>]*?encoding\s*=\s*["']([^"']{1,40})["']/.exec(head.subarray(0, 256).toString('latin1'))?.[1];
  if (declared !== undefined && !['utf-8', 'utf8'].includes(declared.toLowerCase())) {
    throw new SpreadsheetUnreadable('XML.ENCODING_UNSUPPORTED', { encoding: declared, detected: 'UTF-8' });
  }
  return 'utf-8';
}

function checkSpec(spec: XmlRecordSpec): void {
  if (!spec.recordElement || spec.fields.length === 0) throw new Error('An XML record spec needs a record element and at least one field');
  if (new Set(spec.fields).size !== spec.fields.length) throw new Error(`An XML record spec names a field twice: ${spec.fields.join(', ')}`);
}
