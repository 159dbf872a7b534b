import { describe, expect, it } from 'vitest';
import { StagedRowSeqs } from './staged-row-seqs.js';

function seqsOf(rowNumbers: number[]): StagedRowSeqs {
  const seqs = new StagedRowSeqs();
  rowNumbers.forEach((rowNumber, index) => seqs.note(index + 1, rowNumber));
  return seqs;
}

describe('StagedRowSeqs', () => {
  it('maps a row range to the seqs of a file without gaps (row = seq + 1)', () => {
    const seqs = seqsOf([2, 3, 4, 5, 6]);
    expect(seqs.range(3, 5)).toEqual({ firstSeq: 2, lastSeq: 4 });
    expect(seqs.range(1, 2)).toEqual({ firstSeq: 1, lastSeq: 1 });
    expect(seqs.range(6, 40)).toEqual({ firstSeq: 5, lastSeq: 5 });
  });

  it('skips rows that were not staged (empty rows, multi-line records)', () => {
    // Rows 5-7 were empty; row 11 is a record that took two lines.
    const seqs = seqsOf([2, 3, 4, 8, 9, 10, 11, 13, 14]);
    expect(seqs.range(5, 7)).toBeUndefined();
    expect(seqs.range(4, 8)).toEqual({ firstSeq: 3, lastSeq: 4 });
    expect(seqs.range(12, 13)).toEqual({ firstSeq: 8, lastSeq: 8 });
    expect(seqs.range(6, 12)).toEqual({ firstSeq: 4, lastSeq: 7 });
  });

  it('finds nothing outside the staged rows or in an empty staging', () => {
    expect(seqsOf([2, 3]).range(10, 20)).toBeUndefined();
    expect(seqsOf([5, 6]).range(1, 4)).toBeUndefined();
    expect(new StagedRowSeqs().range(1, 10)).toBeUndefined();
    expect(seqsOf([2, 3]).range(3, 2)).toBeUndefined();
  });
});
