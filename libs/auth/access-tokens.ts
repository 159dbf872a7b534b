import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived access tokens: compact JWTs (HS256) carrying the user id, the user's token version (`ver`)
 * and an id of their own (`jti`). The guard compares `ver` with the version in the row it loads anyway, so
 * a password change ends every earlier session without a token store; signing out revokes one token by its
 * id (kept until the token would have expired anyway).
 */
export class AccessTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
  ) {}

  issue(userId: string, tokenVersion: number, now = Date.now()): { token: string; expiresAt: Date } {
    const iat = Math.floor(now / 1000);
    const exp = iat + this.ttlSeconds;
    const header = encode({ alg: 'HS256', typ: 'JWT' });
    const payload = encode({ sub: userId, ver: tokenVersion, iat, exp, jti: randomUUID() });
    const signature = this.sign(`${header}.${payload}`);
    return { token: `${header}.${payload}.${signature}`, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The user id, token version and the token's own id, or undefined when the token is malformed, forged,
   * expired, or lacks a version or an id.
   */
  verify(token: string, now = Date.now()): { userId: string; tokenVersion: number; accessTokenId: string } | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; exp?: unknown; ver?: unknown; jti?: unknown };
      const headerClaims = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
      if (headerClaims.alg !== 'HS256') return undefined;
      if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || !Number.isInteger(claims.ver)) return undefined;
      if (typeof claims.jti !== 'string' || !UUID.test(claims.jti)) return undefined;
      if (claims.exp * 1000 <= now) return undefined;
      return { userId: claims.sub, tokenVersion: claims.ver as number, accessTokenId: claims.jti };
    } catch {
      return undefined;
    }
  }

  private sign(input: string): string {
    return createHmac('sha256', this.secret).update(input).digest('base64url');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
