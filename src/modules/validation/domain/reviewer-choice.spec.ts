import { describe, expect, it } from 'vitest';
import { chooseReviewers, isCandidate } from './reviewer-choice.js';

const m1 = { userId: 'm1', tier: 'manager' as const };
const m2 = { userId: 'm2', tier: 'manager' as const };
const c1 = { userId: 'c1', tier: 'coach' as const };
const g1 = { userId: 'g1', tier: 'group-admin' as const };
const p1 = { userId: 'p1', tier: 'platform-admin' as const };

describe('chooseReviewers', () => {
  it('takes the first candidate, and the first of a later tier as fallback', () => {
    expect(chooseReviewers([m1, m2, g1, p1])).toEqual({ reviewerId: 'm1', tier: 'manager', fallbackReviewerId: 'g1' });
    expect(chooseReviewers([c1, g1])).toEqual({ reviewerId: 'c1', tier: 'coach', fallbackReviewerId: 'g1' });
  });
  it('has no fallback when every other candidate is of the same tier', () => {
    expect(chooseReviewers([p1, { userId: 'p2', tier: 'platform-admin' }])).toEqual({ reviewerId: 'p1', tier: 'platform-admin', fallbackReviewerId: null });
  });
  it('is undefined with no candidate at all', () => {
    expect(chooseReviewers([])).toBeUndefined();
  });
  it('keeps the current reviewer while they are a candidate, and recomputes the fallback after them', () => {
    expect(chooseReviewers([m1, g1, p1], 'g1')).toEqual({ reviewerId: 'g1', tier: 'group-admin', fallbackReviewerId: 'p1' });
  });
  it('moves to the best candidate when the current reviewer is gone', () => {
    expect(chooseReviewers([g1, p1], 'm1')).toEqual({ reviewerId: 'g1', tier: 'group-admin', fallbackReviewerId: 'p1' });
  });
  it('counts a user who appears in two tiers once, in the better tier', () => {
    expect(chooseReviewers([m1, { userId: 'm1', tier: 'group-admin' }, p1])).toEqual({ reviewerId: 'm1', tier: 'manager', fallbackReviewerId: 'p1' });
  });
  it('isCandidate', () => {
    expect(isCandidate([m1, g1], 'g1')).toBe(true);
    expect(isCandidate([m1, g1], 'x')).toBe(false);
    expect(isCandidate([m1], null)).toBe(false);
  });
});
