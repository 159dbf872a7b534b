import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { SpreadsheetUnreadable, type CellValue, type MergedRange, type RowFacts, type SheetRow } from './sheet-values.js';

/**
 * Most characters one token (a tag, or the text of one value) may have, and most cells one row may
 * hold while it is read. copyCheckedXlsx holds a checked copy to far less (1 MiB, 16,384 cells); these
 * bound memory when a workbook that was not checked is read.
 */
const MAX_TOKEN_CHARS = 16 * 1024 ** 2;
const MAX_ROW_CELLS = 16_384;
/** Excel's last row. */
const MAX_ROW_NUMBER = 1_048_576;
/** Most merged ranges kept for a sheet (a sheet with more is no list of records). */
export const MAX_MERGED_RANGES = 100_000;
const SHEET = /^xl\/worksheets\/sheet\d+\.xml$/;

/** The built-in number formats exceljs knows by id (ECMA-376 18.8.30); the others are locale-dependent. */
const BUILT_IN_FORMATS: Record<number, string> = {
  0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%', 11: '0.00E+00', 12: '# ?/?', 13: '# ??/??',
  14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM', 20: 'h:mm', 21: 'h:mm:ss',
  22: 'm/d/yy "h":mm', 37: '#,##0 ;(#,##0)', 38: '#,##0 ;[Red](#,##0)', 39: '#,##0.00 ;(#,##0.00)', 40: '#,##0.00 ;[Red](#,##0.00)',
  45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0', 48: '##0.0E+0', 49: '@',
};

/** A number format that shows a date or time: one of y m d h s b outside quotes and brackets (as exceljs decides). */
export function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  return /[ymdhMsb]+/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/**
 * Streams the rows of the first worksheet of an XLSX: the sheet part is tokenised as it inflates (no
 * DOM, no per-cell objects), with shared strings, the cell formats that show dates and the 1904 date
 * system read first. Values come out as exceljs's streaming reader gave them: numbers, Dates for
 * numbers in a date format, booleans, text (shared, inline and rich text joined), a formula's cached
 * result; errors and empty cells are holes. Markup Excel never writes (DOCTYPE, comments, CDATA,
 * processing instructions) refuses the file, as copyCheckedXlsx does.
 *
 * Rows also carry facts that are not values (hidden, formulas without a cached result). Merged ranges
 * come after the rows in the sheet: with `onMergedRanges`, the part is read on past the rows to its
 * `<mergeCells>`, and the ranges are handed over once the last row was yielded (not when the reading
 * stops early).
 */
export async function* readXlsxRows(path: string, onMergedRanges?: (ranges: MergedRange[]) => void): AsyncGenerator<SheetRow> {
  const zip = await openZip(path);
  try {
    const entries = await listEntries(zip);
    const sheet = entries.find((entry) => SHEET.test(entry.fileName));
    if (!sheet) throw new SpreadsheetUnreadable('SPREADSHEET.NO_WORKSHEET');
    const byName = new Map(entries.map((entry) => [entry.fileName, entry] as const));
    const workbook = new WorkbookScanner();
    const styles = new StylesScanner();
    const strings = new SharedStringsScanner();
    for (const [name, scanner] of [['xl/workbook.xml', workbook], ['xl/styles.xml', styles], ['xl/sharedStrings.xml', strings]] as const) {
      const entry = byName.get(name);
      if (entry) await scan(zip, entry, scanner);
    }
    const rows = new SheetScanner(strings.strings, styles.dateStyles(), workbook.date1904, onMergedRanges !== undefined);
    const stream = await openEntry(zip, sheet);
    try {
      const decoder = new StringDecoder('utf8');
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        rows.write(decoder.write(chunk));
        if (rows.ready.length > 0) {
          const ready = rows.ready;
          rows.ready = [];
          yield* ready;
        }
        if (rows.done) break;
      }
      if (!rows.done) rows.write(decoder.end());
      rows.end();
      yield* rows.ready;
      onMergedRanges?.(rows.merged);
    } finally {
      stream.destroy();
    }
  } catch (error) {
    if (error instanceof SpreadsheetUnreadable) throw error;
    throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: String((error as Error)?.message ?? error).slice(0, 200) });
  } finally {
    zip.close();
  }
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (error, file) =>
      error ? reject(error) : resolve(file),
    ),
  );
}

function listEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    const names = new Set<string>();
    zip.on('entry', (entry: Entry) => {
      if (names.has(entry.fileName)) {
        reject(new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: `the part ${entry.fileName} appears twice` }));
        return;
      }
      names.add(entry.fileName);
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
}

async function scan(zip: ZipFile, entry: Entry, scanner: XmlScanner): Promise<void> {
  const stream = await openEntry(zip, entry);
  try {
    const decoder = new StringDecoder('utf8');
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      scanner.write(decoder.write(chunk));
      if (scanner.done) break;
    }
    if (!scanner.done) scanner.write(decoder.end());
    scanner.end();
  } finally {
    stream.destroy();
  }
}

const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const QUOT = 0x22;
const APOS = 0x27;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

/**
 * A minimal streaming XML tokenizer for the regular parts of a workbook: start and end tags with their
 * attributes, and the text of elements a subclass asks for (`capturing`). Text is kept raw and decoded
 * once, when a subclass takes it. Anything but elements, text and the XML declaration is refused.
 */
abstract class XmlScanner {
  /** Set by a subclass once it has read all it needs: the rest of the part is not read. */
  done = false;
  protected capturing = false;
  protected text = '';
  private buffer = '';
  private tokens = 0;

  protected abstract open(name: string, source: string, from: number, to: number, selfClosing: boolean): void;
  protected abstract close(name: string): void;

  write(chunk: string): void {
    if (this.done) return;
    const buffer = this.buffer.length > 0 ? this.buffer + chunk : chunk;
    let at = 0;
    const length = buffer.length;
    // The next `"`, `'` and `:` at or after where they were last looked for: each is searched for once per
    // stretch (native indexOf), not once per tag (a search past the end of a tag can run to the end of the
    // buffer) nor character by character.
    const next = new NextOf(buffer);
    while (!this.done) {
      const lt = buffer.indexOf('<', at);
      if (lt < 0) {
        if (this.capturing) {
          this.text += buffer.slice(at);
          at = length;
        }
        break;
      }
      if (this.capturing && lt > at) this.text += buffer.slice(at, lt);
      if (lt + 1 >= length) {
        at = lt;
        break;
      }
      const first = buffer.charCodeAt(lt + 1);
      if (first === BANG) throw unsupported('comment, CDATA or DOCTYPE');
      // The end of the tag: the first `>` outside quoted attribute values.
      let end = -1;
      let from = lt + 1;
      for (;;) {
        const gt = buffer.indexOf('>', from);
        if (gt < 0) break;
        const quote = Math.min(next.quot(from), next.apos(from));
        if (quote > gt) {
          end = gt;
          break;
        }
        const closing = buffer.indexOf(buffer[quote], quote + 1);
        if (closing < 0) break;
        from = closing + 1;
      }
      if (end < 0) {
        at = lt;
        break;
      }
      this.tokens++;
      if (first === QUESTION) {
        if (this.tokens !== 1 || !/^<\?xml[\s?]/.test(buffer.slice(lt, lt + 6))) throw unsupported('processing instruction');
      } else if (first === SLASH) {
        let nameStart = lt + 2;
        let nameEnd = end;
        while (nameEnd > nameStart && isSpace(buffer.charCodeAt(nameEnd - 1))) nameEnd--;
        const colon = next.colon(nameStart);
        if (colon < nameEnd) nameStart = colon + 1;
        this.close(buffer.slice(nameStart, nameEnd));
      } else {
        let nameEnd = lt + 1;
        while (nameEnd < end) {
          const code = buffer.charCodeAt(nameEnd);
          if (isSpace(code) || code === SLASH) break;
          nameEnd++;
        }
        let nameStart = lt + 1;
        const colon = next.colon(nameStart);
        if (colon < nameEnd) nameStart = colon + 1;
        const selfClosing = buffer.charCodeAt(end - 1) === SLASH;
        const name = buffer.slice(nameStart, nameEnd);
        this.open(name, buffer, nameEnd, selfClosing ? end - 1 : end, selfClosing);
        if (selfClosing) this.close(name);
      }
      // A `<` inside a tag, even in an attribute value, is no XML: the tag would have swallowed the next one.
      const nextLt = buffer.indexOf('<', lt + 1);
      if (nextLt >= 0 && nextLt < end) throw unsupported('a < inside a tag');
      at = end + 1;
    }
    this.buffer = at >= length ? '' : buffer.slice(at);
    if (this.buffer.length > MAX_TOKEN_CHARS || this.text.length > MAX_TOKEN_CHARS) {
      throw new SpreadsheetUnreadable('SPREADSHEET.VALUE_TOO_LARGE', { part: 'sheet', maxKilobytes: MAX_TOKEN_CHARS / 1024 });
    }
  }

  end(): void {
    if (!this.done && this.buffer.trim() !== '') throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: 'the XML ends inside a tag' });
  }

  /** The text captured since the last call, decoded. */
  protected takeText(): string {
    const text = decodeXmlText(this.text);
    this.text = '';
    return text;
  }
}

/** Where the next `"`, `'` or `:` of a buffer is at or after a position (Infinity: none), each found once per stretch. */
class NextOf {
  private quotAt = -1;
  private aposAt = -1;
  private colonAt = -1;

  constructor(private readonly buffer: string) {}

  quot(from: number): number {
    if (this.quotAt < from) this.quotAt = this.find('"', from);
    return this.quotAt;
  }

  apos(from: number): number {
    if (this.aposAt < from) this.aposAt = this.find("'", from);
    return this.aposAt;
  }

  colon(from: number): number {
    if (this.colonAt < from) this.colonAt = this.find(':', from);
    return this.colonAt;
  }

  private find(char: string, from: number): number {
    const at = this.buffer.indexOf(char, from);
    return at < 0 ? Number.POSITIVE_INFINITY : at;
  }
}

function unsupported(what: string): SpreadsheetUnreadable {
  return new SpreadsheetUnreadable('SPREADSHEET.UNSUPPORTED_XML', { part: 'workbook', what });
}

/** One attribute of a tag, reused while a tag's attributes are read (no object per attribute). */
interface Attribute {
  name: string;
  value: string;
}

/**
 * Reads the attribute at or after `at` in a tag's attributes (`source[at, to)`) into `into` (name without
 * its prefix, raw value); returns where the next one may start, or -1 when there is none.
 */
function nextAttribute(source: string, at: number, to: number, into: Attribute): number {
  while (at < to && isSpace(source.charCodeAt(at))) at++;
  if (at >= to) return -1;
  let nameStart = at;
  let nameEnd = at;
  while (nameEnd < to) {
    const code = source.charCodeAt(nameEnd);
    if (code === 0x3d || isSpace(code)) break;
    if (code === 0x3a) nameStart = nameEnd + 1;
    nameEnd++;
  }
  let equals = nameEnd;
  while (equals < to && isSpace(source.charCodeAt(equals))) equals++;
  if (equals >= to || source.charCodeAt(equals) !== 0x3d) throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: 'an attribute without a value' });
  let valueStart = equals + 1;
  while (valueStart < to && isSpace(source.charCodeAt(valueStart))) valueStart++;
  const quote = source.charCodeAt(valueStart);
  if (quote !== QUOT && quote !== APOS) throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: 'an attribute value without quotes' });
  const valueEnd = source.indexOf(quote === QUOT ? '"' : "'", valueStart + 1);
  if (valueEnd < 0 || valueEnd >= to) throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: 'an unterminated attribute value' });
  into.name = source.slice(nameStart, nameEnd);
  into.value = source.slice(valueStart + 1, valueEnd);
  return valueEnd + 1;
}

/** Calls `found` with each attribute of a tag (`source[from, to)`, after its name); values are raw. */
function attributes(source: string, from: number, to: number, found: (name: string, value: string) => void): void {
  const attribute: Attribute = { name: '', value: '' };
  for (let at = nextAttribute(source, from, to, attribute); at >= 0; at = nextAttribute(source, at, to, attribute)) found(attribute.name, attribute.value);
}

const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]+);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML text as a parser gives it: line ends normalised, the five named and all numeric character references resolved. */
export function decodeXmlText(raw: string): string {
  let text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (!text.includes('&')) return text;
  text = text.replace(ENTITY, (_match, name: string) => {
    if (name.charCodeAt(0) === 0x23) {
      const code = name.charCodeAt(1) === 0x78 ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (code > 0x10ffff) throw new SpreadsheetUnreadable('SPREADSHEET.CORRUPT', { reason: `an invalid character reference &${name};` });
      return String.fromCodePoint(code);
    }
    const named = NAMED[name];
    if (named === undefined) throw new SpreadsheetUnreadable('SPREADSHEET.UNSUPPORTED_XML', { part: 'workbook', what: `the entity &${name};` });
    return named;
  });
  return text;
}

class WorkbookScanner extends XmlScanner {
  date1904 = false;

  protected open(name: string, source: string, from: number, to: number): void {
    if (name === 'workbookPr') {
      attributes(source, from, to, (attribute, value) => {
        if (attribute === 'date1904') this.date1904 = value === '1' || value === 'true';
      });
      this.done = true;
    } else if (name === 'sheets') {
      this.done = true;
    }
  }

  protected close(): void {}
}

/** The cell formats (`<cellXfs>` by index) whose number format shows a date. */
class StylesScanner extends XmlScanner {
  private readonly formats = new Map<number, string>();
  private readonly cellFormats: number[] = [];
  private inNumFmts = false;
  private inCellXfs = false;

  dateStyles(): boolean[] {
    return this.cellFormats.map((id) => id !== 0 && isDateFormat(this.formats.get(id) ?? BUILT_IN_FORMATS[id]));
  }

  protected open(name: string, source: string, from: number, to: number): void {
    if (name === 'numFmts') this.inNumFmts = true;
    else if (name === 'cellXfs') this.inCellXfs = true;
    else if (name === 'numFmt' && this.inNumFmts) {
      let id = Number.NaN;
      let code = '';
      attributes(source, from, to, (attribute, value) => {
        if (attribute === 'numFmtId') id = Number.parseInt(value, 10);
        else if (attribute === 'formatCode') code = decodeXmlText(value);
      });
      if (Number.isInteger(id)) this.formats.set(id, code);
    } else if (name === 'xf' && this.inCellXfs) {
      let id = 0;
      attributes(source, from, to, (attribute, value) => {
        if (attribute === 'numFmtId') id = Number.parseInt(value, 10) || 0;
      });
      this.cellFormats.push(id);
    }
  }

  protected close(name: string): void {
    if (name === 'numFmts') this.inNumFmts = false;
    else if (name === 'cellXfs') this.inCellXfs = false;
  }
}

/** Each `<si>` as its text: the `<t>` of a plain string, the runs of rich text joined, phonetic hints left out. */
class SharedStringsScanner extends XmlScanner {
  readonly strings: (string | null)[] = [];
  private inString = false;
  private hasText = false;
  private phonetic = 0;

  protected open(name: string, _source: string, _from: number, _to: number, selfClosing: boolean): void {
    if (name === 'si') {
      this.inString = true;
      this.hasText = false;
      this.text = '';
    } else if (name === 't' && this.inString && this.phonetic === 0) {
      this.capturing = !selfClosing;
      this.hasText = true;
    } else if (name === 'rPh') {
      this.phonetic++;
    }
  }

  protected close(name: string): void {
    if (name === 't') this.capturing = false;
    else if (name === 'rPh') this.phonetic = Math.max(0, this.phonetic - 1);
    else if (name === 'si') {
      const text = this.takeText();
      this.strings.push(this.hasText && text !== '' ? text : null);
      this.inString = false;
    }
  }
}

const Capture = { None: 0, Value: 1, InlineText: 2 } as const;

/**
 * Elements a worksheet may hold only after `<mergeCells>` (ECMA-376 CT_Worksheet order): once one shows,
 * there are no merged ranges to come.
 */
const AFTER_MERGE_CELLS = new Set([
  'phoneticPr', 'conditionalFormatting', 'dataValidations', 'hyperlinks', 'printOptions', 'pageMargins', 'pageSetup', 'headerFooter',
  'rowBreaks', 'colBreaks', 'customProperties', 'cellWatches', 'ignoredErrors', 'smartTags', 'drawing', 'legacyDrawing',
  'legacyDrawingHF', 'picture', 'oleObjects', 'controls', 'webPublishItems', 'tableParts', 'extLst',
]);

/**
 * The rows of `<sheetData>`, each finished at its `</row>` into `ready`; with `readMerges`, then the
 * ranges of `<mergeCells>` into `merged`.
 */
class SheetScanner extends XmlScanner {
  ready: SheetRow[] = [];
  readonly merged: MergedRange[] = [];
  private inSheetData = false;
  private afterSheetData = false;
  private row: CellValue[] | undefined;
  private facts: RowFacts | undefined;
  private rowNumber = 0;
  private inCell = false;
  private column = 0;
  private type = '';
  private style = 0;
  private formula = false;
  private value: string | null = null;
  private inline: string | null = null;
  private inInline = false;
  private phonetic = 0;
  private capture: number = Capture.None;
  private readonly attribute: Attribute = { name: '', value: '' };

  constructor(
    private readonly strings: (string | null)[],
    private readonly dateStyles: boolean[],
    private readonly date1904: boolean,
    private readonly readMerges: boolean,
  ) {
    super();
  }

  protected open(name: string, source: string, from: number, to: number, selfClosing: boolean): void {
    if (this.afterSheetData) {
      if (name === 'mergeCell') this.addMergedRange(source, from, to);
      else if (AFTER_MERGE_CELLS.has(name)) this.done = true;
      return;
    }
    switch (name) {
      case 'c':
        if (this.row) this.openCell(source, from, to);
        return;
      case 'v':
        if (this.inCell) {
          this.capture = Capture.Value;
          this.capturing = !selfClosing;
          this.text = '';
          this.value = '';
        }
        return;
      case 't':
        if (this.inInline && this.phonetic === 0) {
          this.capture = Capture.InlineText;
          this.capturing = !selfClosing;
          if (this.inline === null) this.inline = '';
        }
        return;
      case 'f':
        if (this.inCell) this.formula = true;
        return;
      case 'is':
        if (this.inCell) {
          this.inInline = true;
          this.text = '';
        }
        return;
      case 'rPh':
        if (this.inInline) this.phonetic++;
        return;
      case 'row':
        if (this.inSheetData) this.openRow(source, from, to);
        return;
      case 'sheetData':
        this.inSheetData = true;
        return;
    }
  }

  protected close(name: string): void {
    switch (name) {
      case 'v':
        if (this.capture === Capture.Value) {
          this.value = this.takeText();
          this.capturing = false;
          this.capture = Capture.None;
        }
        return;
      case 't':
        if (this.capture === Capture.InlineText) {
          this.capturing = false;
          this.capture = Capture.None;
        }
        return;
      case 'rPh':
        if (this.phonetic > 0) this.phonetic--;
        return;
      case 'is':
        if (this.inInline) {
          this.inline = this.inline === null ? null : this.takeText();
          this.inInline = false;
        }
        return;
      case 'c':
        if (this.inCell) this.closeCell();
        return;
      case 'row':
        if (this.row) {
          this.ready.push(this.facts ? { rowNumber: this.rowNumber, cells: this.row, facts: this.facts } : { rowNumber: this.rowNumber, cells: this.row });
          this.row = undefined;
          this.facts = undefined;
        }
        return;
      case 'sheetData':
        this.inSheetData = false;
        if (this.readMerges) this.afterSheetData = true;
        else this.done = true;
        return;
      case 'mergeCells':
        if (this.afterSheetData) this.done = true;
        return;
    }
  }

  private openRow(source: string, from: number, to: number): void {
    let number = Number.NaN;
    let hidden = false;
    attributes(source, from, to, (attribute, value) => {
      if (attribute === 'r') number = Number.parseInt(value, 10);
      else if (attribute === 'hidden') hidden = value === '1' || value === 'true';
    });
    this.rowNumber = Number.isInteger(number) && number > 0 ? number : this.rowNumber + 1;
    this.row = [];
    this.facts = hidden ? { hidden: true } : undefined;
    this.column = 0;
  }

  /** A `<mergeCell ref="B2:C3"/>`; one that is not a range of cells is left out (it merges nothing). */
  private addMergedRange(source: string, from: number, to: number): void {
    let reference = '';
    attributes(source, from, to, (attribute, value) => {
      if (attribute === 'ref') reference = value;
    });
    const range = mergedRangeOf(reference);
    if (!range) return;
    if (this.merged.length >= MAX_MERGED_RANGES) throw new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_MERGED_CELLS', { max: MAX_MERGED_RANGES });
    this.merged.push(range);
  }

  private openCell(source: string, from: number, to: number): void {
    let column = 0;
    let type = '';
    let style = 0;
    const attribute = this.attribute;
    for (let at = nextAttribute(source, from, to, attribute); at >= 0; at = nextAttribute(source, at, to, attribute)) {
      const value = attribute.value;
      switch (attribute.name) {
        case 'r':
          column = columnOf(value);
          break;
        case 't':
          type = value;
          break;
        case 's':
          style = Number.parseInt(value, 10) || 0;
          break;
      }
    }
    this.column = column > 0 ? column : this.column + 1;
    if (this.column > MAX_ROW_CELLS) {
      throw new SpreadsheetUnreadable('SPREADSHEET.TOO_MANY_COLUMNS', { row: this.rowNumber, columns: this.column, max: MAX_ROW_CELLS });
    }
    this.inCell = true;
    this.type = type;
    this.style = style;
    this.formula = false;
    this.value = null;
    this.inline = null;
    this.inInline = false;
    this.phonetic = 0;
  }

  private closeCell(): void {
    this.inCell = false;
    if (this.formula && this.value === null) {
      this.facts ??= {};
      (this.facts.formulaWithoutValue ??= []).push(this.column - 1);
    }
    const value = this.cellValue();
    if (value !== null) this.row![this.column - 1] = value;
  }

  private cellValue(): CellValue {
    const raw = this.value;
    const type = this.type;
    if (this.formula) {
      if (raw === null) return null;
      if (type === 'str') return raw;
      if (type === 'e') return null;
      if (type === 'b') return raw.trim() !== '0';
      return numberOrNull(raw);
    }
    switch (type) {
      case 's': {
        if (raw === null) return null;
        return this.strings[Number.parseInt(raw, 10)] ?? null;
      }
      case 'inlineStr':
        return this.inline ?? raw;
      case 'str':
        return raw;
      case 'e':
        return null;
      case 'b':
        return raw === null ? null : Number.parseInt(raw, 10) !== 0;
      case 'd': {
        if (raw === null) return null;
        const date = new Date(raw.trim());
        return Number.isNaN(date.getTime()) ? raw : date;
      }
      default: {
        if (raw === null) return null;
        const number = numberOrNull(raw);
        if (number === null || !this.dateStyles[this.style]) return number;
        return new Date(Math.round((number - 25569 + (this.date1904 ? 1462 : 0)) * 86_400_000));
      }
    }
  }
}

function numberOrNull(raw: string): number | null {
  const number = Number.parseFloat(raw);
  return Number.isNaN(number) ? null : number;
}

/** A merge reference (`B2:C3`, either corner first) as a range; undefined when it is not one. */
export function mergedRangeOf(reference: string): MergedRange | undefined {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d{1,7}):\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(reference.trim());
  if (!match) return undefined;
  const columns = [columnOf(match[1]), columnOf(match[3])];
  const rows = [Number(match[2]), Number(match[4])];
  if (columns.some((column) => column < 1 || column > MAX_ROW_CELLS) || rows.some((row) => row < 1 || row > MAX_ROW_NUMBER)) return undefined;
  return { firstRow: Math.min(...rows), lastRow: Math.max(...rows), firstColumn: Math.min(...columns) - 1, lastColumn: Math.max(...columns) - 1 };
}

/** The column number of a cell reference (`AB12` -> 28), or 0 when it has none. */
function columnOf(reference: string): number {
  let column = 0;
  for (let index = 0; index < reference.length; index++) {
    const code = reference.charCodeAt(index);
    if (code >= 0x41 && code <= 0x5a) column = column * 26 + (code - 0x40);
    else if (code >= 0x61 && code <= 0x7a) column = column * 26 + (code - 0x60);
    else break;
    if (column > MAX_ROW_CELLS) return column;
  }
  return column;
}
