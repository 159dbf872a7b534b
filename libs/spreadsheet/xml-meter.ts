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
}

export type XmlMeterExceeded =
  | { limit: 'token'; bytes: number; max: number }
  | { limit: 'row'; bytes: number; max: number; row: number }
  | { limit: 'strings'; count: number; max: number }
  | { limit: 'elements'; count: number; max: number }
  | { limit: 'cells'; count: number; max: number; row: number };

/** Thrown by the meter when a part has a shape that would not fit in memory once parsed. */
export class XmlShapeError extends Error {
  constructor(readonly exceeded: XmlMeterExceeded) {
    super(`XML ${exceeded.limit} over its limit: ${JSON.stringify(exceeded)}`);
    this.name = 'XmlShapeError';
  }
}

const LT = 0x3c;
const SLASH = 0x2f;
const COLON = 0x3a;
const RICH_TEXT_RUN_WEIGHT = 10;
const MAX_NAME = 32;
const NAME_END = new Set([0x20, 0x09, 0x0a, 0x0d, 0x3e, 0x2f]); // space, tab, LF, CR, >, /

/**
 * Measures an XML part while it streams past, without parsing it: the longest token (what a SAX
 * parser holds at once), the bytes and cells of each sheet row (what exceljs holds to build one row),
 * the count of shared strings and of elements (what exceljs keeps of a part it reads whole). Memory
 * stays constant.
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

  constructor(private readonly limits: XmlMeterLimits) {}

  write(chunk: Buffer): void {
    let at = 0;
    if (this.pendingName) at = this.continueName(chunk, 0);
    while (at < chunk.length) {
      const lt = chunk.indexOf(LT, at);
      const end = lt < 0 ? chunk.length : lt;
      this.count(end - at);
      if (lt < 0) return;
      this.sinceTag = 0;
      this.count(1);
      this.pendingName = [];
      at = this.continueName(chunk, lt + 1);
    }
  }

  private count(bytes: number): void {
    this.sinceTag += bytes;
    if (this.sinceTag > this.limits.maxTokenBytes) throw new XmlShapeError({ limit: 'token', bytes: this.sinceTag, max: this.limits.maxTokenBytes });
    if (this.rowBytes >= 0) {
      this.rowBytes += bytes;
      if (this.rowBytes > this.limits.maxRowBytes) {
        throw new XmlShapeError({ limit: 'row', bytes: this.rowBytes, max: this.limits.maxRowBytes, row: this.rows });
      }
    }
  }

  /** Reads tag-name bytes from `from`; returns where it stopped. */
  private continueName(chunk: Buffer, from: number): number {
    const pending = this.pendingName!;
    let at = from;
    // A closing tag's `/` comes before its name.
    if (pending.length === 0 && at < chunk.length && chunk[at] === SLASH) at++;
    while (at < chunk.length && at - from + pending.length <= MAX_NAME && !NAME_END.has(chunk[at]) && chunk[at] !== LT) at++;
    this.count(at - from);
    if (at === chunk.length && at - from + pending.length <= MAX_NAME) {
      // The name goes on in the next chunk (rare: copy the few bytes read so far).
      for (let i = from; i < at; i++) pending.push(chunk[i]);
      return at;
    }
    this.pendingName = undefined;
    if (pending.length === 0) {
      this.tagAt(chunk, from, at);
    } else {
      for (let i = from; i < at; i++) pending.push(chunk[i]);
      const name = Buffer.from(pending);
      this.tagAt(name, 0, name.length);
    }
    return at;
  }

  /** Classifies the tag whose name (with a leading `/` when closing) is `bytes[start, end)`, without copying it. */
  private tagAt(bytes: Buffer, start: number, end: number): void {
    const closing = bytes[start] === SLASH;
    let local = closing ? start + 1 : start;
    const colon = bytes.indexOf(COLON, local);
    if (colon >= 0 && colon < end) local = colon + 1;
    const length = end - local;
    if (closing) {
      if ((length === 3 && bytes.toString('latin1', local, end) === 'row') || (length === 9 && bytes.toString('latin1', local, end) === 'sheetData')) this.rowBytes = -1;
      return;
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
}
