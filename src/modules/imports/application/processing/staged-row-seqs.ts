/**
 * Which staged row (seq) holds which file row: both only grow while a file is read, so the map is kept as
 * the points where their difference changes (a skipped empty row, a record spanning lines) and a row
 * range becomes a seq range by binary search. Lets SQL go by the staging table's primary key (import, seq)
 * instead of a second index on row numbers that every staged row would pay for.
 */
export class StagedRowSeqs {
  /** Seqs where row number minus seq changes, and that difference from there on. */
  private readonly seqs: number[] = [];
  private readonly offsets: number[] = [];
  private last = 0;

  /** Notes the next staged row; seqs come in order, 1, 2, 3, ... */
  note(seq: number, rowNumber: number): void {
    const offset = rowNumber - seq;
    if (this.offsets.length === 0 || this.offsets[this.offsets.length - 1] !== offset) {
      this.seqs.push(seq);
      this.offsets.push(offset);
    }
    this.last = seq;
  }

  /** The seqs of the staged rows whose row numbers lie in [firstRow, lastRow]; undefined when none do. */
  range(firstRow: number, lastRow: number): { firstSeq: number; lastSeq: number } | undefined {
    if (this.last === 0 || firstRow > lastRow) return undefined;
    const firstSeq = this.firstSeqFrom(firstRow);
    const lastSeq = this.firstSeqFrom(lastRow + 1) - 1;
    return firstSeq <= lastSeq ? { firstSeq, lastSeq } : undefined;
  }

  private rowNumberOf(seq: number): number {
    let low = 0;
    let high = this.seqs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.seqs[middle] <= seq) low = middle;
      else high = middle - 1;
    }
    return seq + this.offsets[low];
  }

  /** The first seq whose row number is at least `rowNumber` (last + 1 when there is none). */
  private firstSeqFrom(rowNumber: number): number {
    let low = 1;
    let high = this.last + 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.rowNumberOf(middle) >= rowNumber) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
