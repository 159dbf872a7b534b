/**
 * How sign-in attempts on one account are spaced once they go beyond the free ones. Not a lock-out:
 * attempt `n` (1-based, counted over all client addresses within the window) needs no wait while
 * n <= free; after that each attempt must come at least base * 2^(n - free - 1) seconds after the
 * previous one, capped. Somebody guessing from many addresses is slowed down exponentially; the
 * owner, from their own address, waits at most the cap, and not at all once they are in.
 */
export interface LoginBackoffPolicy {
  freeAttempts: number;
  baseSeconds: number;
  maxSeconds: number;
}

export function loginBackoffSeconds(attempt: number, policy: LoginBackoffPolicy): number {
  if (attempt <= policy.freeAttempts) return 0;
  const exponent = Math.min(attempt - policy.freeAttempts - 1, 30);
  return Math.min(policy.baseSeconds * 2 ** exponent, policy.maxSeconds);
}
