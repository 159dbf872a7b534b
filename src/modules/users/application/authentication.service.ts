import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../../libs/config/app-config.js';
import type { Principal } from '../../../../libs/contracts/users/index.js';
import { DomainError } from '../../../../libs/errors/domain-error.js';
import type { Language } from '../../../../libs/i18n/i18n.js';
import { InjectRedis } from '../../../../libs/redis/redis.module.js';
import { API_TOKEN_PREFIX, ApiToken } from '../domain/api-token.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../domain/password-hasher.js';
import { AccessTokens } from '../infrastructure/access-tokens.js';

interface PrincipalRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  language: Language;
  roles: string[] | null;
  permissions: string[] | null;
}

/**
 * Sign-in and token resolution. Failed sign-ins are counted in Redis per account and per client
 * address, so throttling holds across API instances.
 */
@Injectable()
export class AuthenticationService {
  private readonly accessTokens: AccessTokens;

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
    @InjectRedis() private readonly redis: Redis,
  ) {
    this.accessTokens = new AccessTokens(config.authTokenSecret, config.accessTokenTtlSeconds);
  }

  async login(email: string, password: string, clientAddress: string): Promise<{ accessToken: string; expiresAt: Date }> {
    const accountKey = `${this.config.queuePrefix}:login-attempts:account:${email.trim().toLowerCase()}`;
    const addressKey = `${this.config.queuePrefix}:login-attempts:address:${clientAddress}`;
    // Every attempt is counted before the password is checked, atomically, so parallel guesses cannot
    // slip past the limit; a successful sign-in clears the account's count.
    await this.countAttempt(accountKey, this.config.loginMaxFailures);
    await this.countAttempt(addressKey, this.config.loginMaxFailures * 10);

    const rows = await this.em.execute<{ id: string; password_hash: string | null }[]>(
      `select id, password_hash from users where lower(email) = lower(?) and status = 'active'`,
      [email.trim()],
    );
    const user = rows[0];
    const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!user || !user.password_hash || !valid) throw new DomainError('USERS.INVALID_CREDENTIALS', 'unauthenticated');
    await this.redis.multi().del(accountKey).decr(addressKey).exec();
    const { token, expiresAt } = this.accessTokens.issue(user.id);
    return { accessToken: token, expiresAt };
  }

  private async countAttempt(key: string, max: number) {
    const [[, attempts], , [, ttl]] = (await this.redis.multi().incr(key).expire(key, this.config.loginWindowSeconds, 'NX').ttl(key).exec()) as [
      [Error | null, number],
      [Error | null, number],
      [Error | null, number],
    ];
    if (attempts > max) {
      throw new DomainError('USERS.LOGIN_THROTTLED', 'too_many_requests', { retryAfterSeconds: Math.max(ttl, 1) });
    }
  }

  /** The principal behind a bearer token (access token or personal API token), or undefined. */
  async authenticate(bearer: string): Promise<Principal | undefined> {
    if (bearer.startsWith(API_TOKEN_PREFIX)) {
      const rows = await this.em.execute<{ user_id: string }[]>(
        `update api_tokens set last_used_at = now()
          where token_hash = ? and revoked_at is null and (expires_at is null or expires_at > now())
          returning user_id`,
        [ApiToken.hash(bearer)],
      );
      return rows[0] ? this.loadPrincipal(rows[0].user_id, 'api-token') : undefined;
    }
    const userId = this.accessTokens.verify(bearer);
    return userId ? this.loadPrincipal(userId, 'access-token') : undefined;
  }

  async loadPrincipal(userId: string, authenticatedWith: Principal['authenticatedWith']): Promise<Principal | undefined> {
    const rows = await this.em.execute<PrincipalRow[]>(
      `select u.id, u.email, u.first_name, u.last_name, u.language,
              array_agg(distinct r.key) filter (where r.key is not null) as roles,
              array_agg(distinct p.permission) filter (where p.permission is not null) as permissions
         from users u
         left join user_roles ur on ur.user_id = u.id
         left join roles r on r.id = ur.role_id
         left join lateral unnest(r.permissions) as p(permission) on true
        where u.id = ? and u.status = 'active'
        group by u.id`,
      [userId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      userId: row.id,
      email: row.email,
      displayName: `${row.first_name} ${row.last_name}`,
      language: row.language,
      roles: row.roles ?? [],
      permissions: row.permissions ?? [],
      authenticatedWith,
    };
  }
}
