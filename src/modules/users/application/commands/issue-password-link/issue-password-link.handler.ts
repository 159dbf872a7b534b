import { EntityManager } from '@mikro-orm/postgresql';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import { IssuePasswordLinkCommand, type PasswordLink } from '#libs/contracts/users/index.js';
import { SetPasswordLink } from '../../../domain/set-password-link.js';

export const SET_PASSWORD_PATH = '/account/set-password';

/**
 * Issues a one-time set-password link for an active user and ends the user's earlier open links of the
 * same purpose (the newest mail is the one that works). The plain token leaves only inside the URL; the
 * link names the address it was issued for (the current one), so a mail bound elsewhere can leave it out.
 */
@CommandHandler(IssuePasswordLinkCommand)
export class IssuePasswordLinkHandler implements ICommandHandler<IssuePasswordLinkCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async execute({ userId, purpose }: IssuePasswordLinkCommand): Promise<PasswordLink | undefined> {
    return this.em.transactional(async (em) => {
      // The account's row for update: two links issued at the same moment end one another in turn, and a
      // password being set (which takes the same row) cannot miss a link issued beside it.
      const active = await em.execute<{ id: string; email: string }[]>(`select id, email from users where id = ? and status = 'active' for update`, [userId]);
      if (active.length === 0) return undefined;
      const { link, token } = SetPasswordLink.issue(userId, purpose, this.config.passwordLinks);
      await em.execute(
        `update password_links set ended_at = ? where user_id = ? and purpose = ? and used_at is null and ended_at is null`,
        [link.createdAt, userId, purpose],
      );
      em.persist(link);
      await em.flush();
      const url = `${this.config.publicUrl}${SET_PASSWORD_PATH}?token=${encodeURIComponent(token)}`;
      return { url, expiresAt: link.expiresAt.toISOString(), email: active[0].email };
    });
  }
}
