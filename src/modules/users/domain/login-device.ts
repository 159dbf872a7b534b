import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The OWASP "device cookie" for sign-in throttling. After a successful sign-in the browser gets a signed
 * cookie bound to the account (the hash of its normalised email), a random device id and the issue time.
 * A later attempt on THAT account presenting a valid one is recognised as coming from a device the owner
 * used before: it skips the account's backoff gate and the counters shared with other people on the same
 * address (office NAT, carrier NAT), and has its own small failure budget instead. Without one (forged,
 * expired, for another account) an attempt is throttled as before.
 *
 * Value: `<deviceId>.<issuedAtSeconds>.<mac>`; the account is not in the value (it is taken from the
 * email the attempt names), so a cookie neither reveals the account nor works for any other one.
 */
export const LOGIN_DEVICE_COOKIE = 'cit_login_device';

/** The account part of throttle keys and device cookies: no email addresses in Redis keys or cookies. */
export function loginAccountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
}

export function issueLoginDevice(secret: string, email: string, now = Date.now()): { deviceId: string; value: string } {
  const deviceId = randomBytes(16).toString('base64url');
  const issuedAt = Math.floor(now / 1000);
  return { deviceId, value: `${deviceId}.${issuedAt}.${mac(secret, loginAccountKey(email), deviceId, issuedAt)}` };
}

/** The device id of a valid, unexpired cookie issued for this account, else undefined. */
export function verifyLoginDevice(secret: string, email: string, value: string | undefined, lifetimeSeconds: number, now = Date.now()): string | undefined {
  if (!value || value.length > 200) return undefined;
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  const [deviceId, issued, signature] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]{22}$/.test(deviceId) || !/^\d{1,12}$/.test(issued)) return undefined;
  const issuedAt = Number(issued);
  const expected = Buffer.from(mac(secret, loginAccountKey(email), deviceId, issuedAt));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const nowSeconds = Math.floor(now / 1000);
  // Expired, or issued in the future (beyond a minute of clock skew between API instances).
  if (issuedAt + lifetimeSeconds <= nowSeconds || issuedAt > nowSeconds + 60) return undefined;
  return deviceId;
}

function mac(secret: string, account: string, deviceId: string, issuedAt: number): string {
  return createHmac('sha256', `login-device:${secret}`).update(`${account}.${deviceId}.${issuedAt}`).digest('base64url');
}
