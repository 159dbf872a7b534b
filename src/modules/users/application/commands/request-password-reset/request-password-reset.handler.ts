import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Redis } from 'ioredis';
import { AppConfig } from '#libs/config/app-config.js';
import { PasswordResetRequested } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import type { Language } from '#libs/i18n/i18n.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { InjectRedis } from '#libs/redis/redis.module.js';
import { User } from '../../../domain/user.js';
import { PasswordResetThrottle } from '../../../infrastructure/password-reset-throttle.js';

export class RequestPasswordResetCommand extends Command<void> {
  constructor(
    readonly email: string,
    readonly clientAddress: string,
  ) {
    super();
  }
}

/**
 * "Forgot password": when an active account has this email address, PasswordResetRequested is recorded
 * through the outbox (Notifications mails a reset link), at most once per user per
 * PASSWORD_RESET_MIN_INTERVAL_MINUTES. The caller learns nothing either way: no error for an unknown or
 * malformed address, none for a request that was held back. Only the per-address limit answers (429),
 * and it counts every request the same, known address or not.
 */
@CommandHandler(RequestPasswordResetCommand)
export class RequestPasswordResetHandler implements ICommandHandler<RequestPasswordResetCommand> {
  private readonly throttle: PasswordResetThrottle;
  private readonly minIntervalMinutes: number;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
    @InjectRedis() redis: Redis,
  ) {
    this.throttle = new PasswordResetThrottle(redis, config.queuePrefix, {
      maxPerAddress: config.passwordLinks.resetMaxPerAddress,
      windowSeconds: config.loginWindowSeconds,
    });
    this.minIntervalMinutes = config.passwordLinks.resetMinIntervalMinutes;
  }

  async execute({ email, clientAddress }: RequestPasswordResetCommand): Promise<void> {
    const verdict = await this.throttle.attempt(clientAddress);
    if (!verdict.allowed) {
      throw new DomainError('USERS.PASSWORD_RESET_THROTTLED', 'too_many_requests', { retryAfterSeconds: verdict.retryAfterSeconds });
    }
    let address: string;
    try {
      address = User.normaliseEmail(email);
    } catch {
      return;
    }
    await this.em.transactional(async (em) => {
      const users = await em.execute<{ id: string; email: string; first_name: string; language: Language }[]>(
        `select id, email, first_name, language from users where lower(email) = ? and status = 'active'`,
        [address],
      );
      const user = users[0];
      if (!user) return;
      // Claims this user's reset slot atomically: of concurrent requests inside the interval only one gets a row back.
      const claimed = await em.execute<{ user_id: string }[]>(
        `insert into password_reset_requests (user_id, last_requested_at) values (?, now())
         on conflict (user_id) do update set last_requested_at = excluded.last_requested_at
           where password_reset_requests.last_requested_at <= now() - make_interval(mins => ?)
         returning user_id`,
        [user.id, this.minIntervalMinutes],
      );
      if (claimed.length === 0) return;
      recordEvent(
        em,
        new PasswordResetRequested({
          userId: user.id,
          email: user.email,
          firstName: user.first_name,
          language: user.language,
          requestedAt: new Date().toISOString(),
        }),
      );
      await em.flush();
    });
  }
}
