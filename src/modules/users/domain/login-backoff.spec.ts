import { describe, expect, it } from 'vitest';
import { loginBackoffSeconds } from './login-backoff.js';

describe('loginBackoffSeconds', () => {
  const policy = { freeAttempts: 5, baseSeconds: 1, maxSeconds: 60 };

  it('is free for the first attempts, then doubles, then stays at the cap', () => {
    expect([1, 5].map((n) => loginBackoffSeconds(n, policy))).toEqual([0, 0]);
    expect([6, 7, 8, 9, 10, 11, 12].map((n) => loginBackoffSeconds(n, policy))).toEqual([1, 2, 4, 8, 16, 32, 60]);
    expect(loginBackoffSeconds(10_000, policy)).toBe(60);
  });
});
