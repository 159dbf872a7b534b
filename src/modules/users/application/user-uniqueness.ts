import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { conflict } from '#libs/errors/domain-error.js';
import type { User } from '../domain/user.js';

/**
 * Checks email and user code against other active users before writing, for a precise message.
 * The partial unique indexes stay the guard against races (they surface as 409 too).
 */
@Injectable()
export class UserUniqueness {
  constructor(private readonly em: EntityManager) {}

  async assertFree(user: User): Promise<void> {
    const rows = await this.em.execute<{ email: string; user_code: string | null }[]>(
      `select email, user_code from users where status <> 'deleted' and id <> ? and (lower(email) = ? or user_code = ?)`,
      [user.id, user.email.toLowerCase(), user.userCode],
    );
    if (rows.some((row) => row.email.toLowerCase() === user.email.toLowerCase())) {
      throw conflict('USERS.EMAIL_TAKEN', { email: user.email });
    }
    if (user.userCode !== null && rows.some((row) => row.user_code === user.userCode)) {
      throw conflict('USERS.USER_CODE_TAKEN', { userCode: user.userCode });
    }
  }
}
