import type { ReviewAssignment, ReviewerTier } from './external-certificate.js';

export interface Candidate {
  userId: string;
  tier: ReviewerTier;
}

/**
 * Who reviews, from the candidates best first (FindReviewersQuery): the current reviewer stays while
 * they are still a candidate, otherwise the first candidate takes over. The fallback is the first
 * candidate after the reviewer in a later tier (a manager's fallback is a coach or group admin, never
 * a second manager), or null when there is none. Undefined when there is no candidate at all.
 */
export function chooseReviewers(candidates: Candidate[], currentReviewerId?: string | null): ReviewAssignment | undefined {
  const seen = new Set<string>();
  const unique = candidates.filter((candidate) => (seen.has(candidate.userId) ? false : (seen.add(candidate.userId), true)));
  if (unique.length === 0) return undefined;
  const index = Math.max(0, currentReviewerId ? unique.findIndex((candidate) => candidate.userId === currentReviewerId) : 0);
  const reviewer = unique[index];
  const fallback = unique.slice(index + 1).find((candidate) => candidate.tier !== reviewer.tier);
  return { reviewerId: reviewer.userId, tier: reviewer.tier, fallbackReviewerId: fallback?.userId ?? null };
}

/** Whether `userId` may still review: they are among the candidates. */
export const isCandidate = (candidates: Candidate[], userId: string | null) => userId !== null && candidates.some((candidate) => candidate.userId === userId);
