import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { StreamTickets } from '#libs/auth/stream-tickets.js';
import type { AppConfig } from '#libs/config/app-config.js';
import { deleteQueueKeys } from '../support/test-app.js';

/**
 * A redeemed ticket holds a lease while its stream is open. The lease lapses if its holder stalls (a
 * paused process) and a reconnect then takes it: the stale stream's release or revoke must not free the
 * newer stream's lease, or a third stream opens on the same ticket while the second is still open.
 */
describe('stream ticket leases are freed only by the stream holding them (real Redis)', () => {
  let redis: Redis;
  let tickets: StreamTickets;
  const queuePrefix = `cit_test_${randomBytes(4).toString('hex')}`;
  const config = {
    queuePrefix,
    sse: { ticketTtlSeconds: 30, maxStreamSeconds: 60, pollIntervalMs: 100, ticketMaxAgeSeconds: 3600 },
  } as unknown as AppConfig;
  const resource = 'import:lease-test';

  /** What a lapsed lease looks like: the key is gone (as after its PX), the stale holder does not know. */
  const lapseLeases = async () => {
    const keys = await redis.keys(`${queuePrefix}:stream-ticket:*:open`);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  };

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
    tickets = new StreamTickets(redis, config);
  });
  afterAll(async () => {
    await deleteQueueKeys(inject('redisUrl'), queuePrefix);
    redis.disconnect();
  });

  it('a stale stream\'s release leaves the lease of the stream that took over', async () => {
    const { ticket } = await tickets.issue('user-1', resource, { tokenVersion: 1 });
    const stale = await tickets.redeem(ticket, resource);
    expect(stale?.userId).toBe('user-1');
    expect(await tickets.redeem(ticket, resource)).toBeUndefined(); // one stream at a time
    expect(await lapseLeases()).toBe(1);
    const current = await tickets.redeem(ticket, resource);
    expect(current?.userId).toBe('user-1');
    await stale!.release();
    expect(await tickets.redeem(ticket, resource)).toBeUndefined(); // the current stream still holds it
    await current!.release();
    const next = await tickets.redeem(ticket, resource); // its own release frees it for a reconnect
    expect(next?.userId).toBe('user-1');
    await next!.release();
  });

  it('a stale stream\'s revoke ends the ticket but leaves the lease of the stream that took over', async () => {
    const { ticket } = await tickets.issue('user-2', resource, { tokenVersion: 1 });
    const stale = await tickets.redeem(ticket, resource);
    await lapseLeases();
    const current = await tickets.redeem(ticket, resource);
    expect(current).toBeDefined();
    await stale!.revoke();
    expect(await redis.keys(`${queuePrefix}:stream-ticket:*:open`)).toHaveLength(1);
    expect(await tickets.redeem(ticket, resource)).toBeUndefined(); // the ticket itself is gone
  });
});
