import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { csv } from '../support/files.js';
import { eventually, Http } from '../support/http.js';
import { CERTIFICATE_HEADER, finished, startImport } from '../support/imports.js';
import { takeSseBlocks } from '../support/sse.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TYPE = 'obtained-certificates';
const TICKET_TTL_SECONDS = 2;
const MAX_STREAMS = 2;
const MAX_STREAM_SECONDS = 2;
const TICKET_MAX_AGE_SECONDS = 12;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SseEvent {
  id: string | undefined;
  event: string;
  data: any;
}

/** A Server-Sent Events stream read with fetch: events, comments and retry hints as they come. */
interface Stream {
  status: number;
  problem: any;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  retry: number[];
  /** Resolves when the server ends the stream (or it is closed here). */
  ended: Promise<void>;
  endedByServer: boolean;
  close(): void;
}

async function open(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const stream: Stream = {
    status: response.status,
    problem: undefined,
    headers: response.headers,
    events: [],
    comments: [],
    retry: [],
    ended: Promise.resolve(),
    endedByServer: false,
    close: () => controller.abort(),
  };
  if (response.status !== 200) {
    stream.problem = JSON.parse(await response.text());
    return stream;
  }
  stream.ended = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          stream.endedByServer = true;
          return;
        }
        const taken = takeSseBlocks(buffered + decoder.decode(value, { stream: true }));
        buffered = taken.rest;
        for (const block of taken.blocks) {
          stream.comments.push(...block.comments);
          stream.retry.push(...block.retry);
          if (block.data !== undefined) stream.events.push({ id: block.id, event: block.event, data: block.data as never });
        }
      }
    } catch {
      // aborted here
    }
  })();
  return stream;
}

describe('import progress as Server-Sent Events: tickets, stream cap, lifetime and resume, changes only', () => {
  let app: TestApp;
  let http: Http;
  let admin: Http;
  let adminToken: string;
  let lena: Http;
  let lenaToken: string;
  let roleId: string;
  let finishedId: string;
  let otherId: string;

  const rows = (number: string) => csv(CERTIFICATE_HEADER, [['L-1001', 'NT2-B1', '01-02-2025', null, number, null]]);
  /** An import that is "processing" but that no worker changes: a stream on it stays open and quiet. */
  const idleImport = async (as: Http, number: string) => {
    const id = await startImport(as, TYPE, `${number}.csv`, rows(number), { validateOnly: 'true' });
    await finished(as, id);
    await app.sql(`update imports set status = 'processing', finished_at = null where id = $1`, [id]);
    return id;
  };
  const eventsUrl = (id: string) => `${app.url}/api/imports/${id}/events`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const ticketFor = async (as: Http, id: string) => {
    const response = await as.post(`/api/imports/${id}/events/ticket`);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { ticket: string; url: string; expiresInSeconds: number };
  };

  beforeAll(async () => {
    app = await startTestApp({
      env: {
        SSE_TICKET_TTL_SECONDS: String(TICKET_TTL_SECONDS),
        SSE_TICKET_MAX_AGE_SECONDS: String(TICKET_MAX_AGE_SECONDS),
        SSE_MAX_STREAMS_PER_USER: String(MAX_STREAMS),
        SSE_MAX_STREAM_SECONDS: String(MAX_STREAM_SECONDS),
        SSE_POLL_INTERVAL_MS: '100',
        SSE_HEARTBEAT_SECONDS: '1',
      },
    });
    http = new Http(app.url);
    adminToken = (await http.post('/api/auth/login', { email: 'admin@example.com', password: 'demo-password-1' })).body.accessToken;
    admin = http.as(adminToken);
    const created = await admin.post('/api/roles', { key: 'certificate-importer', name: 'Certificate importer', permissions: [`imports.${TYPE}`] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    roleId = created.body.id;
    const [{ id: lenaId }] = await app.sql<{ id: string }>(`select id from users where email = 'lena@example.com'`);
    expect((await admin.put(`/api/users/${lenaId}/roles`, { roleKeys: ['learner', 'certificate-importer'] })).status).toBeLessThan(300);
    lenaToken = (await http.post('/api/auth/login', { email: 'lena@example.com', password: 'demo-password-1' })).body.accessToken;
    lena = http.as(lenaToken);
    finishedId = await startImport(admin, TYPE, 'a.csv', rows('T-1'), { validateOnly: 'true' });
    otherId = await startImport(admin, TYPE, 'b.csv', rows('T-2'), { validateOnly: 'true' });
    await finished(admin, finishedId);
    await finished(admin, otherId);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('stream tickets', () => {
    it('a ticket opens the stream of its import without an Authorization header, one stream at a time', async () => {
      const { ticket, url, expiresInSeconds } = await ticketFor(admin, finishedId);
      expect(url).toBe(`/api/imports/${finishedId}/events?ticket=${ticket}`);
      expect(expiresInSeconds).toBe(TICKET_TTL_SECONDS);
      const first = await open(app.url + url);
      expect(first.status).toBe(200);
      await first.ended;
      expect(first.events.map((e) => e.event)).toEqual(['progress', 'end']);
      expect(first.events[0].data.id).toBe(finishedId);

      // Once that stream has closed, the same URL opens it again (EventSource reconnects to it).
      const again = await open(app.url + url);
      expect(again.status).toBe(200);
      await again.ended;
    });

    it('a ticket lets an EventSource reconnect after the server ended the stream, never two streams at once, only its import', async () => {
      const id = await idleImport(admin, 'RECONNECT-1');
      const { url } = await ticketFor(admin, id);
      const first = await open(app.url + url);
      expect(first.status).toBe(200);
      const meanwhile = await open(app.url + url);
      expect(meanwhile.status).toBe(401);
      expect(meanwhile.problem.code).toBe('COMMON.STREAM_TICKET_INVALID');
      await first.ended;
      expect(first.endedByServer).toBe(true); // its lifetime
      // After the retry hint, past the unredeemed ticket's own lifetime, the browser reconnects to the same URL.
      await sleep(TICKET_TTL_SECONDS * 1000 + 200);
      const reconnect = await open(app.url + url, { 'last-event-id': first.events[0].id! });
      expect(reconnect.status).toBe(200);
      await reconnect.ended;
      expect(reconnect.events).toEqual([]); // nothing changed since
      // Presented for another import, the ticket is used up.
      expect((await open(`${eventsUrl(otherId)}${url.slice(url.indexOf('?'))}`)).status).toBe(401);
      expect((await open(app.url + url)).status).toBe(401);
    });

    it('a ticket has an absolute lifetime: reconnecting does not keep it alive past SSE_TICKET_MAX_AGE_SECONDS', async () => {
      const { url } = await ticketFor(admin, finishedId);
      const issued = Date.now();
      // Each use restarts the reconnect window (SSE_MAX_STREAM_SECONDS + 60 s), so only the absolute lifetime ends it.
      while (Date.now() - issued < (TICKET_MAX_AGE_SECONDS - 2) * 1000) {
        const stream = await open(app.url + url);
        expect(stream.status).toBe(200);
        await stream.ended;
        await sleep(1000);
      }
      await sleep(Math.max(0, issued + TICKET_MAX_AGE_SECONDS * 1000 + 300 - Date.now()));
      const late = await open(app.url + url);
      expect(late.status).toBe(401);
      expect(late.problem.code).toBe('COMMON.STREAM_TICKET_INVALID');
    });

    it('a ticket does not open another import, and is used up by trying', async () => {
      const { ticket } = await ticketFor(admin, finishedId);
      const elsewhere = await open(`${eventsUrl(otherId)}?ticket=${ticket}`);
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.problem.code).toBe('COMMON.STREAM_TICKET_INVALID');
      expect((await open(`${eventsUrl(finishedId)}?ticket=${ticket}`)).status).toBe(401);
    });

    it('a ticket expires', async () => {
      const { url } = await ticketFor(admin, finishedId);
      await sleep(TICKET_TTL_SECONDS * 1000 + 700);
      const late = await open(app.url + url);
      expect(late.status).toBe(401);
      expect(late.problem.code).toBe('COMMON.STREAM_TICKET_INVALID');
    });

    it('only the events route takes a ticket, and never a long-lived token in the query string', async () => {
      const { ticket } = await ticketFor(admin, finishedId);
      for (const path of [`/api/imports/${finishedId}?ticket=${ticket}`, `/api/imports/${finishedId}/rows?ticket=${ticket}`, `/api/imports?ticket=${ticket}`]) {
        const response = await http.get(path);
        expect(response.status, path).toBe(401);
        expect(response.body.code).toBe('COMMON.UNAUTHENTICATED');
      }
      // The ticket was not used by those: it still opens its stream.
      expect((await open(`${eventsUrl(finishedId)}?ticket=${ticket}`)).status).toBe(200);
      for (const query of [`ticket=${adminToken}`, `access_token=${adminToken}`, `token=${adminToken}`]) {
        const response = await open(`${eventsUrl(finishedId)}?${query}`);
        expect(response.status, query).toBe(401);
      }
      // Someone without access to the import gets no ticket for it.
      expect((await lena.post(`/api/imports/${finishedId}/events/ticket`)).status).toBe(404);
      // Bearer tokens keep working (curl).
      const curl = await open(eventsUrl(finishedId), bearer(adminToken));
      expect(curl.status).toBe(200);
      await curl.ended;
      expect(curl.events.map((e) => e.event)).toEqual(['progress', 'end']);
    });
  });

  it('sends no event while nothing changes, only heartbeat comments; the next change is sent', async () => {
    const id = await idleImport(admin, 'IDLE-1');
    const stream = await open(eventsUrl(id), bearer(adminToken));
    expect(stream.status).toBe(200);
    await sleep(1600);
    expect(stream.events.map((e) => e.event)).toEqual(['progress']);
    expect(stream.comments.length).toBeGreaterThanOrEqual(1);
    await app.sql(`update imports set processed_rows = processed_rows + 1 where id = $1`, [id]);
    await eventually(async () => stream.events.length === 2, 2000, 50);
    expect(stream.events[1].data.counts.processed).toBe(stream.events[0].data.counts.processed + 1);
    expect(Number(stream.events[1].id)).toBeGreaterThan(Number(stream.events[0].id));
    stream.close();
  });

  it('ends a stream after its lifetime with a retry hint; Last-Event-ID resumes without repeating', async () => {
    const id = await idleImport(admin, 'LIFE-1');
    const started = Date.now();
    const first = await open(eventsUrl(id), bearer(adminToken));
    expect(first.status).toBe(200);
    await first.ended;
    expect(first.endedByServer).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(MAX_STREAM_SECONDS * 1000 - 200);
    expect(Date.now() - started).toBeLessThan(MAX_STREAM_SECONDS * 1000 + 2000);
    expect(first.retry.length).toBeGreaterThanOrEqual(1);
    expect(first.events.map((e) => e.event)).toEqual(['progress']);
    const lastId = first.events[0].id!;
    expect(lastId).toMatch(/^\d+$/);

    // Reconnect as EventSource does: the same id, nothing has changed, so nothing is sent again.
    const resumed = await open(eventsUrl(id), { ...bearer(adminToken), 'last-event-id': lastId });
    expect(resumed.status).toBe(200);
    await sleep(800);
    expect(resumed.events).toEqual([]);
    await app.sql(`update imports set processed_rows = processed_rows + 1 where id = $1`, [id]);
    await eventually(async () => resumed.events.length === 1, 2000, 50);
    expect(resumed.events[0].data.counts.processed).toBe(first.events[0].data.counts.processed + 1);
    expect(Number(resumed.events[0].id)).toBeGreaterThan(Number(lastId));
    resumed.close();

    // A new EventSource with a ticket passes the id in the query; a finished import then only says `end`.
    await app.sql(`update imports set status = 'completed', finished_at = now() where id = $1`, [id]);
    const latest = String((await admin.get(`/api/imports/${id}`)).body.version);
    const { url } = await ticketFor(admin, id);
    const last = await open(`${app.url}${url}&lastEventId=${latest}`);
    await last.ended;
    expect(last.events.map((e) => e.event)).toEqual(['end']);
  });

  it(`caps the open streams per user at ${MAX_STREAMS} with a 429 problem; a closed stream frees its slot; a dead process's slots lapse`, async () => {
    const id = await idleImport(admin, 'CAP-1');
    // Wait for streams of earlier tests to have released their slots.
    const streams = await eventually(async () => {
      const opened = [await open(eventsUrl(id), bearer(adminToken)), await open(eventsUrl(id), bearer(adminToken))];
      if (opened.every((s) => s.status === 200)) return opened;
      opened.forEach((s) => s.close());
      return undefined;
    }, 5000, 200);
    const third = await open(eventsUrl(id), bearer(adminToken));
    expect(third.status).toBe(429);
    expect(third.problem.code).toBe('IMPORTS.TOO_MANY_STREAMS');
    expect(third.headers.get('content-type')).toContain('application/problem+json');
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another user is not affected.
    const lenasImport = await idleImport(lena, 'CAP-2');
    const hers = await open(eventsUrl(lenasImport), bearer(lenaToken));
    expect(hers.status).toBe(200);
    hers.close();

    streams[0].close();
    const again = await eventually(async () => {
      const stream = await open(eventsUrl(id), bearer(adminToken));
      if (stream.status === 200) return stream;
      return undefined;
    }, 3000, 100);
    again.close();
    streams[1].close();

    // Slots held by a process that died (never released) lapse: two stale entries do not block.
    const adminId = (await admin.get('/api/auth/me')).body.userId as string;
    const redis = new Redis(app.config.redisUrl!);
    try {
      await eventually(async () => (await redis.zcard(`${app.config.queuePrefix}:sse-streams:${adminId}`)) === 0, 3000, 100);
      await redis.zadd(`${app.config.queuePrefix}:sse-streams:${adminId}`, Date.now() - 1000, 'dead-1', Date.now() - 1, 'dead-2');
      const afterCrash = await open(eventsUrl(id), bearer(adminToken));
      expect(afterCrash.status).toBe(200);
      afterCrash.close();
    } finally {
      redis.disconnect();
    }
  });

  it('revoking an API token ends the streams it opened and its unused tickets', async () => {
    const id = await idleImport(admin, 'REVOKE-1');
    const issued = await admin.post('/api/auth/api-tokens', { name: 'dashboard screen' });
    expect(issued.status, JSON.stringify(issued.body)).toBeLessThan(300);
    const integration = http.as(issued.body.token);
    const ticket = await ticketFor(integration, id);
    const viaToken = await open(eventsUrl(id), bearer(issued.body.token));
    expect(viaToken.status).toBe(200);
    expect((await admin.delete(`/api/auth/api-tokens/${issued.body.id}`)).status).toBe(204);
    const started = Date.now();
    await viaToken.ended;
    expect(Date.now() - started).toBeLessThan(MAX_STREAM_SECONDS * 1000);
    expect(viaToken.comments.filter((c) => c.includes('lifetime'))).toEqual([]);
    const refused = await open(app.url + ticket.url);
    expect(refused.status).toBe(401);
    expect(refused.problem.code).toBe('COMMON.STREAM_TICKET_INVALID');
  });

  it('a password change ends open streams and every ticket issued before it, redeemed or not', async () => {
    const id = await idleImport(lena, 'PASSWORD-1');
    const redeemed = await ticketFor(lena, id);
    const unredeemed = await ticketFor(lena, id);
    const viaTicket = await open(app.url + redeemed.url);
    const viaBearer = await open(eventsUrl(id), bearer(lenaToken));
    expect([viaTicket.status, viaBearer.status]).toEqual([200, 200]);
    const changed = await lena.post('/api/auth/password', { currentPassword: 'demo-password-1', newPassword: 'lena-new-password-1' });
    expect(changed.status).toBe(200);
    lenaToken = changed.body.accessToken;
    lena = http.as(lenaToken);
    const started = Date.now();
    await Promise.all([viaTicket.ended, viaBearer.ended]);
    // Ended at their next look at the caller (heartbeat: 1 s), not at the end of their lifetime.
    expect(Date.now() - started).toBeLessThan(MAX_STREAM_SECONDS * 1000);
    expect([viaTicket.endedByServer, viaBearer.endedByServer]).toEqual([true, true]);
    expect([...viaTicket.comments, ...viaBearer.comments].filter((c) => c.includes('lifetime'))).toEqual([]);
    for (const url of [unredeemed.url, redeemed.url]) {
      const refused = await open(app.url + url);
      expect(refused.status, url).toBe(401);
      expect(refused.problem.code).toBe('COMMON.STREAM_TICKET_INVALID');
    }
    // With the new session, a new ticket works.
    const fresh = await ticketFor(lena, id);
    const live = await open(app.url + fresh.url);
    expect(live.status).toBe(200);
    live.close();
  });

  it('authorises again on reconnect: a lost type permission ends the stream and refuses the reconnect', async () => {
    const id = await idleImport(lena, 'LOST-1');
    const { url } = await ticketFor(lena, id);
    const spare = await ticketFor(lena, id);
    const live = await open(app.url + url);
    expect(live.status).toBe(200);
    await eventually(async () => live.events.length === 1, 2000, 50);

    const changed = await admin.patch(`/api/roles/${roleId}`, { permissions: ['certificates.read'] });
    expect(changed.status).toBe(204);
    // A ticket issued before the loss no longer opens the stream: the import is checked at connect time.
    const withTicket = await open(app.url + spare.url);
    expect(withTicket.status).toBe(404);
    expect(withTicket.problem.code).toBe('IMPORTS.IMPORT_NOT_FOUND');
    await live.ended; // the open stream notices at its next look, not only at the end of its lifetime
    expect(live.endedByServer).toBe(true);
    expect(live.comments.filter((c) => c.includes('lifetime'))).toEqual([]);
    expect(live.events.map((e) => e.event)).toEqual(['progress']);

    const withBearer = await open(eventsUrl(id), { ...bearer(lenaToken), 'last-event-id': live.events[0].id! });
    expect(withBearer.status).toBe(404);
    expect(withBearer.problem.code).toBe('IMPORTS.IMPORT_NOT_FOUND');
    expect((await lena.post(`/api/imports/${id}/events/ticket`)).status).toBe(404);
  });
});
