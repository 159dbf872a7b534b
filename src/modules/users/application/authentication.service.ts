import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '#libs/config/app-config.js';
import type { Principal, PrincipalCredential } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import type { Language } from '#libs/i18n/i18n.js';
import { InjectRedis } from '#libs/redis/redis.module.js';
import { API_TOKEN_PREFIX, ApiToken } from '../domain/api-token.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../domain/password-hasher.js';
import { AccessTokens } from '#libs/auth/access-tokens.js';
import { issueLoginDevice, verifyLoginDevice } from '../domain/login-device.js';
import { LoginThrottle } from '../infrastructure/login-throttle.js';

interface PrincipalRow {
  id: string;
  email: string;
  email_verified: boolean;
  first_name: string;
  last_name: string;
  language: Language;
  token_version: number;
  roles: string[] | null;
  permissions: string[] | null;
}

/**
 * Sign-in and token resolution. Sign-in attempts are counted in Redis (LoginThrottle) per (account,
 * client address), per address, and per account with a growing backoff, so throttling holds across
 * API instances and an attacker elsewhere cannot lock the owner out.
 */
@Injectable()
export class AuthenticationService {
  private readonly accessTokens: AccessTokens;
  private readonly throttle: LoginThrottle;
  private readonly deviceSecret: string;
  private readonly deviceLifetimeSeconds: number;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
    @InjectRedis() redis: Redis,
  ) {
    this.accessTokens = new AccessTokens(config.authTokenSecret, config.accessTokenTtlSeconds);
    this.throttle = new LoginThrottle(redis, config.queuePrefix, {
      maxPerAccountAndAddress: config.loginMaxFailures,
      maxPerAddress: config.loginMaxFailures * 10,
      maxPerWideNetwork: config.loginMaxFailures * 30,
      maxPerDevice: config.loginMaxFailures * 2,
      windowSeconds: config.loginWindowSeconds,
      freeAttempts: config.loginMaxFailures,
      baseSeconds: config.loginBackoffBaseSeconds,
      maxSeconds: config.loginBackoffMaxSeconds,
      knownAddressSeconds: config.loginKnownAddressDays * 86_400,
    });
    this.deviceSecret = config.authTokenSecret;
    this.deviceLifetimeSeconds = config.loginDeviceCookieDays * 86_400;
  }

  /**
   * `deviceCookie`: the login device cookie the client sent, if any (see domain/login-device.ts). A valid
   * one for this account gets the device's own throttling instead of the address's and account's. On
   * success `deviceCookie` in the result is a new cookie value to set, when the client had no valid one.
   */
  async login(
    email: string,
    password: string,
    clientAddress: string,
    deviceCookie?: string,
  ): Promise<{ accessToken: string; expiresAt: Date; deviceCookie?: string }> {
    const deviceId = verifyLoginDevice(this.deviceSecret, email, deviceCookie, this.deviceLifetimeSeconds);
    // Counted before the password is checked, atomically, so parallel guesses cannot slip past the limit.
    const verdict = await this.throttle.attempt(email, clientAddress, deviceId);
    if (!verdict.allowed) {
      throw new DomainError('USERS.LOGIN_THROTTLED', 'too_many_requests', { retryAfterSeconds: verdict.retryAfterSeconds });
    }
    const rows = await this.em.execute<{ id: string; password_hash: string | null; token_version: number }[]>(
      `select id, password_hash, token_version from users where lower(email) = lower(?) and status = 'active'`,
      [email.trim()],
    );
    const user = rows[0];
    const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !user.password_hash || !valid) throw new DomainError('USERS.INVALID_CREDENTIALS', 'unauthenticated');
    await this.throttle.succeeded(email, clientAddress, deviceId, verdict.countedOnDevice);
    const { token, expiresAt } = this.accessTokens.issue(user.id, user.token_version);
    if (deviceId !== undefined) return { accessToken: token, expiresAt };
    return { accessToken: token, expiresAt, deviceCookie: issueLoginDevice(this.deviceSecret, email).value };
  }

  /**
   * Whether `password` is the account's current password, throttled exactly like a sign-in (same
   * counters, and the same device cookie), for actions that ask for it again such as changing the password.
   */
  async checkPassword(email: string, password: string, clientAddress: string, deviceCookie?: string): Promise<boolean> {
    try {
      await this.login(email, password, clientAddress, deviceCookie);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'USERS.INVALID_CREDENTIALS') return false;
      throw error;
    }
  }

  /** A fresh access token for a user who just proved who they are (after changing their password). */
  issueAccessToken(userId: string, tokenVersion: number): { accessToken: string; expiresAt: Date } {
    const { token, expiresAt } = this.accessTokens.issue(userId, tokenVersion);
    return { accessToken: token, expiresAt };
  }

  /** The principal behind a bearer token (access token or personal API token), or undefined. */
  async authenticate(bearer: string): Promise<Principal | undefined> {
    if (bearer.startsWith(API_TOKEN_PREFIX)) {
      const rows = await this.em.execute<{ id: string; user_id: string }[]>(
        `update api_tokens set last_used_at = now()
          where token_hash = ? and revoked_at is null and (expires_at is null or expires_at > now())
          returning id, user_id`,
        [ApiToken.hash(bearer)],
      );
      return rows[0] ? this.loadPrincipal(rows[0].user_id, 'api-token', { apiTokenId: rows[0].id }) : undefined;
    }
    const claims = this.accessTokens.verify(bearer);
    if (!claims) return undefined;
    // The token version and the token's revocation are checked in the query that loads the principal anyway: no extra round trip.
    return this.loadPrincipal(claims.userId, 'access-token', { tokenVersion: claims.tokenVersion, accessTokenId: claims.accessTokenId });
  }

  /**
   * The user's principal, carrying the credential it was loaded for. `expected`: the token version it
   * must still have (undefined: any, the current one is recorded) and the API token that must still be
   * valid; undefined when either no longer holds. Without either (background work: GetPrincipalQuery with
   * no credential to check) the principal has no credential, as the Principal contract says: it opens
   * nothing (no stream ticket, API token or dashboard session can be made from it).
   */
  async loadPrincipal(
    userId: string,
    authenticatedWith: Principal['authenticatedWith'],
    expected: Partial<PrincipalCredential> = {},
  ): Promise<Principal | undefined> {
    const { tokenVersion, apiTokenId, accessTokenId } = expected;
    const rows = await this.em.execute<PrincipalRow[]>(
      `select u.id, u.email, u.email_verified_at is not null as email_verified, u.first_name, u.last_name, u.language, u.token_version,
              array_agg(distinct r.key) filter (where r.key is not null) as roles,
              array_agg(distinct p.permission) filter (where p.permission is not null) as permissions
         from users u
         left join user_roles ur on ur.user_id = u.id
         left join roles r on r.id = ur.role_id
         left join lateral unnest(r.permissions) as p(permission) on true
        where u.id = ? and u.status = 'active'
          and (?::uuid is null or exists (select 1 from api_tokens t
                where t.id = ?::uuid and t.user_id = u.id and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())))
          and (?::uuid is null or not exists (select 1 from revoked_access_tokens v where v.jti = ?::uuid))
        group by u.id`,
      [userId, apiTokenId ?? null, apiTokenId ?? null, accessTokenId ?? null, accessTokenId ?? null],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (tokenVersion !== undefined && row.token_version !== tokenVersion) return undefined;
    const principal: Principal = {
      userId: row.id,
      email: row.email,
      emailVerified: row.email_verified,
      displayName: `${row.first_name} ${row.last_name}`,
      language: row.language,
      roles: row.roles ?? [],
      permissions: row.permissions ?? [],
      authenticatedWith,
    };
    if (tokenVersion === undefined && apiTokenId === undefined && accessTokenId === undefined) return principal;
    return {
      ...principal,
      credential: { tokenVersion: row.token_version, ...(apiTokenId === undefined ? {} : { apiTokenId }), ...(accessTokenId === undefined ? {} : { accessTokenId }) },
    };
  }
}
