export interface XmlMeterLimits {
  /** Most bytes of one token: a tag with its attributes, or the text between two tags. */
  maxTokenBytes: number;
  /** Most bytes from a `<row>` start tag to its end tag (or the next row, or the end of the sheet data). */
  maxRowBytes: number;
  /**
   * Most shared strings, weighted by what exceljs keeps of them: a `<si>` counts 1 (~32 bytes of heap
   * besides its text), a rich-text run `<r>` counts 10 (~330 bytes: an object with its font).
   */
  maxStrings: number;
  /** Most elements (start tags) in the whole part: a part read whole becomes one object per element. */
  maxElements: number;
  /** Most cells (`<c>` elements) in one row: exceljs builds them all before the row is seen. */
  maxRowCells: number;
  /** Most column definitions (`<col>` elements): exceljs keeps each one for the whole sheet. */
  maxColumnDefinitions: number;
  /** Most elements open at once: a SAX parser keeps a stack of them. */
  maxDepth: number;
  /**
   * Most text bytes from one cell value (`<v>`, `<f>`, `<is>`, `<t>` in a `<c>` of a `<row>` of the
   * `<sheetData>`) to the next: exceljs's sheet reader appends every later text, wherever it is (after
   * `</c>`, `</row>`, `</sheetData>`), to the last value it saw, and keeps it.
   */
  maxTextBetweenValues: number;
  /** Most bytes inside `<sheetData>` but outside any `<row>` in one stretch (between two rows). */
  maxGapBytes: number;
  /** Most bytes outside `<sheetData>` (before and after it, together). */
  maxOutsideSheetDataBytes: number;
}

export type XmlMeterExceeded =
  | { limit: 'token'; bytes: number; max: number }
  | { limit: 'row'; bytes: number; max: number; row: number }
  | { limit: 'strings'; count: number; max: number }
  | { limit: 'elements'; count: number; max: number }
  | { limit: 'cells'; count: number; max: number; row: number }
  | { limit: 'depth'; max: number }
  | { limit: 'markup'; what: 'comment, CDATA or DOCTYPE' | 'processing instruction' | 'a < inside a tag' }
  | { limit: 'text'; bytes: number; max: number }
  | { limit: 'gap'; bytes: number; max: number; afterRow: number }
  | { limit: 'outside'; bytes: number; max: number };

/** Thrown by the meter when a part has a shape that would not fit in memory once parsed. */
export class XmlShapeError extends Error {
  constructor(readonly exceeded: XmlMeterExceeded) {
    super(`XML ${exceeded.limit} over its limit: ${JSON.stringify(exceeded)}`);
    this.name = 'XmlShapeError';
  }
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const QUOT = 0x22;
const APOS = 0x27;
const COLON = 0x3a;
const RICH_TEXT_RUN_WEIGHT = 10;
const MAX_NAME = 32;
/** The element names the meter follows, by number: classified from the bytes without making a string per tag. */
const Name = { Other: 0, SheetData: 1, Row: 2, C: 3, V: 4, F: 5, Is: 6, T: 7 } as const;
const SHEET_DATA = Buffer.from('sheetData');

function nameOf(bytes: Buffer, at: number, length: number): number {
  switch (length) {
    case 1:
      switch (bytes[at]) {
        case 0x63:
          return Name.C;
        case 0x76:
          return Name.V;
        case 0x66:
          return Name.F;
        case 0x74:
          return Name.T;
      }
      return Name.Other;
    case 2:
      return bytes[at] === 0x69 && bytes[at + 1] === 0x73 ? Name.Is : Name.Other;
    case 3:
      return bytes[at] === 0x72 && bytes[at + 1] === 0x6f && bytes[at + 2] === 0x77 ? Name.Row : Name.Other;
    case 9:
      return bytes.compare(SHEET_DATA, 0, 9, at, at + 9) === 0 ? Name.SheetData : Name.Other;
  }
  return Name.Other;
}

const NO_PENDING_NAME: readonly number[] = [];

/** Space, tab, LF, CR, `>` and `/` end a tag's name. */
const isNameEnd = (byte: number) => byte === 0x20 || byte === 0x3e || byte === 0x2f || byte === 0x0a || byte === 0x09 || byte === 0x0d;

/**
 * Measures an XML part while it streams past, without parsing it: the longest token (what a SAX
 * parser holds at once), the bytes and cells of each sheet row (what exceljs holds to build one row),
 * the count of shared strings and of elements (what exceljs keeps of a part it reads whole), the
 * nesting depth, and the text exceljs's sheet reader piles onto its last cell value (it never lets go of
 * it: see `maxTextBetweenValues`). Comments, CDATA, DOCTYPE and processing instructions other than the
 * XML declaration are refused: a SAX parser holds each whole, `<` included, so no token limit bounds them,
 * and Excel writes none. Memory stays constant.
 *
 * It follows tags exactly as an XML parser does (quoted attribute values, `/>`), so for a well-formed part
 * it knows what exceljs knows; a malformed one stops the parser after the chunk in which it goes wrong.
 */
export class XmlMeter {
  private sinceTag = 0;
  /** Bytes since the start of the current `<row>`, or -1 outside a row. */
  private rowBytes = -1;
  private rows = 0;
  private strings = 0;
  private elements = 0;
  private rowCells = 0;
  private columnDefinitions = 0;
  /** The name of a tag cut off by the end of a chunk, read so far (after `<`). */
  private pendingName: number[] | undefined;
  /** Where the scanner is: in text, in a tag's name, in the rest of a tag, or in a quoted attribute value. */
  private state: 'text' | 'name' | 'tag' | 'quote' = 'text';
  private quote = 0;
  /** The last byte of the current tag outside quotes (a `/` before `>` closes the element at once). */
  private lastTagByte = 0;
  /** The start tag being read (applied at `>` when it closes itself), or undefined for an end tag. */
  private openTag = false;
  private openLocal: number = Name.Other;
  private openExact: number = Name.Other;
  private tags = 0;
  private depth = 0;
  private inSheetData = false;
  private gapBytes = 0;
  private outsideBytes = 0;
  private textSinceValue = 0;
  /** exceljs's own state, by exact (unprefixed) names: in `<sheetData>`, in a row it reads, in a cell it reads. */
  private excelInRows = false;
  private excelRow = false;
  private excelCell = false;

  constructor(private readonly limits: XmlMeterLimits) {}

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'text': {
          const lt = chunk.indexOf(LT, at);
          const end = lt < 0 ? chunk.length : lt;
          this.count(end - at, true);
          if (lt < 0) return;
          this.sinceTag = 0;
          this.count(1, false);
          this.pendingName = undefined;
          this.state = 'name';
          at = lt + 1;
          break;
        }
        case 'name':
          at = this.continueName(chunk, at);
          break;
        case 'tag':
          at = this.continueTag(chunk, at);
          break;
        case 'quote': {
          const q = chunk.indexOf(this.quote, at);
          const end = q < 0 ? chunk.length : q + 1;
          this.count(end - at, false);
          if (q >= 0) {
            this.state = 'tag';
            this.lastTagByte = this.quote;
          }
          at = end;
          break;
        }
      }
    }
  }

  /** Reads the rest of a tag (attributes) from `from` up to its `>`; returns where it stopped. */
  private continueTag(chunk: Buffer, from: number): number {
    let at = from;
    while (at < chunk.length) {
      const byte = chunk[at];
      if (byte === QUOT || byte === APOS) {
        this.count(at + 1 - from, false);
        this.state = 'quote';
        this.quote = byte;
        return at + 1;
      }
      if (byte === LT) throw new XmlShapeError({ limit: 'markup', what: 'a < inside a tag' });
      if (byte === GT) {
        this.count(at + 1 - from, false);
        this.endTag(this.lastTagByte === SLASH);
        this.state = 'text';
        return at + 1;
      }
      if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) this.lastTagByte = byte;
      at++;
    }
    this.count(at - from, false);
    return at;
  }

  private count(bytes: number, text: boolean): void {
    this.sinceTag += bytes;
    if (this.sinceTag > this.limits.maxTokenBytes) throw new XmlShapeError({ limit: 'token', bytes: this.sinceTag, max: this.limits.maxTokenBytes });
    if (text) {
      this.textSinceValue += bytes;
      if (this.textSinceValue > this.limits.maxTextBetweenValues) throw new XmlShapeError({ limit: 'text', bytes: this.textSinceValue, max: this.limits.maxTextBetweenValues });
    }
    if (this.rowBytes >= 0) {
      this.rowBytes += bytes;
      if (this.rowBytes > this.limits.maxRowBytes) {
        throw new XmlShapeError({ limit: 'row', bytes: this.rowBytes, max: this.limits.maxRowBytes, row: this.rows });
      }
    } else if (this.inSheetData) {
      this.gapBytes += bytes;
      if (this.gapBytes > this.limits.maxGapBytes) throw new XmlShapeError({ limit: 'gap', bytes: this.gapBytes, max: this.limits.maxGapBytes, afterRow: this.rows });
    } else {
      this.outsideBytes += bytes;
      if (this.outsideBytes > this.limits.maxOutsideSheetDataBytes) {
        throw new XmlShapeError({ limit: 'outside', bytes: this.outsideBytes, max: this.limits.maxOutsideSheetDataBytes });
      }
    }
  }

  /** Reads tag-name bytes from `from`; returns where it stopped. */
  private continueName(chunk: Buffer, from: number): number {
    // Usually the whole name is in this chunk: the array is made only when it is not.
    const pending = this.pendingName ?? NO_PENDING_NAME;
    let at = from;
    // A closing tag's `/` comes before its name.
    if (pending.length === 0 && at < chunk.length && chunk[at] === SLASH) at++;
    while (at < chunk.length && at - from + pending.length <= MAX_NAME && !isNameEnd(chunk[at]) && chunk[at] !== LT) at++;
    this.count(at - from, false);
    if (at === chunk.length && at - from + pending.length <= MAX_NAME) {
      // The name goes on in the next chunk (rare: copy the few bytes read so far).
      const kept = (this.pendingName ??= []);
      for (let i = from; i < at; i++) kept.push(chunk[i]);
      return at;
    }
    this.pendingName = undefined;
    this.state = 'tag';
    this.lastTagByte = 0;
    if (pending.length === 0) {
      this.tagAt(chunk, from, at);
    } else {
      const name = Buffer.concat([Buffer.from(pending), chunk.subarray(from, at)]);
      this.tagAt(name, 0, name.length);
    }
    return at;
  }

  /** Classifies the tag whose name (with a leading `/` when closing) is `bytes[start, end)`, without copying it. */
  private tagAt(bytes: Buffer, start: number, end: number): void {
    this.tags++;
    if (bytes[start] === BANG) throw new XmlShapeError({ limit: 'markup', what: 'comment, CDATA or DOCTYPE' });
    if (bytes[start] === QUESTION) {
      // Only the XML declaration, first in the part.
      if (this.tags !== 1 || bytes.toString('latin1', start + 1, end).toLowerCase() !== 'xml') throw new XmlShapeError({ limit: 'markup', what: 'processing instruction' });
      this.openTag = false;
      return;
    }
    const closing = bytes[start] === SLASH;
    let local = closing ? start + 1 : start;
    const colon = bytes.indexOf(COLON, local);
    if (colon >= 0 && colon < end) local = colon + 1;
    const length = end - local;
    // Names that matter are short; longer ones need not be copied.
    const localName = nameOf(bytes, local, length);
    const exactName = colon >= 0 && colon < end ? Name.Other : localName;
    if (closing) {
      this.openTag = false;
      this.close(localName, exactName);
      return;
    }
    this.openTag = true;
    this.openLocal = localName;
    this.openExact = exactName;
    this.depth++;
    if (this.depth > this.limits.maxDepth) throw new XmlShapeError({ limit: 'depth', max: this.limits.maxDepth });
    if (localName === Name.SheetData) {
      this.inSheetData = true;
      this.gapBytes = 0;
    }
    switch (exactName) {
      case Name.SheetData:
        this.excelInRows = true;
        break;
      case Name.Row:
        if (this.excelInRows) this.excelRow = true;
        break;
      case Name.C:
        if (this.excelRow) this.excelCell = true;
        break;
      case Name.V:
      case Name.F:
      case Name.Is:
      case Name.T:
        // exceljs starts a new value here: the text piled onto the last one is let go.
        if (this.excelCell) this.textSinceValue = 0;
        break;
    }
    this.elements++;
    if (this.elements > this.limits.maxElements) throw new XmlShapeError({ limit: 'elements', count: this.elements, max: this.limits.maxElements });
    if (length === 1 && bytes[local] === 0x63 && this.rowBytes >= 0) {
      this.rowCells++;
      if (this.rowCells > this.limits.maxRowCells) throw new XmlShapeError({ limit: 'cells', count: this.rowCells, max: this.limits.maxRowCells, row: this.rows });
    } else if (length === 3 && bytes[local] === 0x63 && bytes[local + 1] === 0x6f && bytes[local + 2] === 0x6c) {
      this.columnDefinitions++;
      if (this.columnDefinitions > this.limits.maxColumnDefinitions) {
        throw new XmlShapeError({ limit: 'elements', count: this.columnDefinitions, max: this.limits.maxColumnDefinitions });
      }
    } else if (length === 3 && bytes[local] === 0x72 && bytes[local + 1] === 0x6f && bytes[local + 2] === 0x77) {
      this.rows++;
      this.rowBytes = 1 + (end - start);
      this.rowCells = 0;
    } else if ((length === 2 && bytes[local] === 0x73 && bytes[local + 1] === 0x69) || (length === 1 && bytes[local] === 0x72)) {
      this.strings += length === 1 ? RICH_TEXT_RUN_WEIGHT : 1;
      if (this.strings > this.limits.maxStrings) throw new XmlShapeError({ limit: 'strings', count: this.strings, max: this.limits.maxStrings });
    }
  }

  /** At a tag's `>`: a start tag that closes itself (`/>`) ends its element at once, as the parser reports it. */
  private endTag(selfClosing: boolean): void {
    const open = this.openTag;
    this.openTag = false;
    if (open && selfClosing) this.close(this.openLocal, this.openExact);
  }

  private close(localName: number, exactName: number): void {
    this.depth = Math.max(0, this.depth - 1);
    if (localName === Name.Row) {
      this.rowBytes = -1;
      this.gapBytes = 0;
    } else if (localName === Name.SheetData) {
      this.rowBytes = -1;
      this.inSheetData = false;
    }
    switch (exactName) {
      case Name.SheetData:
        this.excelInRows = false;
        break;
      case Name.Row:
        this.excelRow = false;
        break;
      case Name.C:
        if (this.excelRow && this.excelCell) this.excelCell = false;
        break;
    }
  }
}
