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
}

export type XmlMeterExceeded =
  | { limit: 'token'; bytes: number; max: number }
  | { limit: 'row'; bytes: number; max: number; row: number }
  | { limit: 'strings'; count: number; max: number };

/** Thrown by the meter when a part has a shape that would not fit in memory once parsed. */
export class XmlShapeError extends Error {
  constructor(readonly exceeded: XmlMeterExceeded) {
    super(`XML ${exceeded.limit} over its limit: ${JSON.stringify(exceeded)}`);
    this.name = 'XmlShapeError';
  }
}

const LT = 0x3c;
const SLASH = 0x2f;
const RICH_TEXT_RUN_WEIGHT = 10;
const MAX_NAME = 32;
const NAME_END = new Set([0x20, 0x09, 0x0a, 0x0d, 0x3e, 0x2f]); // space, tab, LF, CR, >, /

/**
 * Measures an XML part while it streams past, without parsing it: the longest token (what a SAX
 * parser holds at once), the bytes of each sheet row (what exceljs holds to build one row) and the
 * count of shared strings (what exceljs keeps for the whole read). Memory stays constant.
 */
export class XmlMeter {
  private sinceTag = 0;
  /** Bytes since the start of the current `<row>`, or -1 outside a row. */
  private rowBytes = -1;
  private rows = 0;
  private strings = 0;
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
    const name = this.pendingName!;
    let at = from;
    // A closing tag's `/` comes before its name.
    while (at < chunk.length && name.length <= MAX_NAME && (!NAME_END.has(chunk[at]) || (name.length === 0 && chunk[at] === SLASH)) && chunk[at] !== LT) {
      name.push(chunk[at]);
      at++;
    }
    this.count(at - from);
    if (at === chunk.length && name.length <= MAX_NAME) return at; // the name goes on in the next chunk
    this.pendingName = undefined;
    this.tag(Buffer.from(name).toString('latin1'));
    return at;
  }

  private tag(raw: string): void {
    const closing = raw.startsWith('/');
    const qualified = closing ? raw.slice(1) : raw;
    const name = qualified.slice(qualified.indexOf(':') + 1);
    if (closing) {
      if (name === 'row' || name === 'sheetData') this.rowBytes = -1;
      return;
    }
    if (name === 'row') {
      this.rows++;
      this.rowBytes = 1 + raw.length;
    } else if (name === 'si' || name === 'r') {
      this.strings += name === 'r' ? RICH_TEXT_RUN_WEIGHT : 1;
      if (this.strings > this.limits.maxStrings) throw new XmlShapeError({ limit: 'strings', count: this.strings, max: this.limits.maxStrings });
    }
  }
}
