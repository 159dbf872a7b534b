import { EntityManager } from '@mikro-orm/postgresql';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AppConfig } from '#libs/config/app-config.js';
import { IssuePasswordLinksCommand, type PasswordLink } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';
import { SetPasswordLink } from '../../../domain/set-password-link.js';
import { SET_PASSWORD_PATH } from '../issue-password-link/issue-password-link.handler.js';

/**
 * The batch form of IssuePasswordLinkHandler, with the same rules: a link for every active user among
 * `userIds`, each ending the user's earlier open links of the purpose. A few statements for the whole batch
 * instead of five per user: the mail worker issues the links of every welcome mail it sends.
 */
@CommandHandler(IssuePasswordLinksCommand)
export class IssuePasswordLinksHandler implements ICommandHandler<IssuePasswordLinksCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async execute({ userIds, purpose }: IssuePasswordLinksCommand): Promise<Record<string, PasswordLink>> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return {};
    return this.em.transactional(async (em) => {
      // The accounts' rows for update, in a fixed order so that two batches never wait for each other in a circle.
      const active = await em.execute<{ id: string; email: string }[]>(`select id, email from users where id = any(?::uuid[]) and status = 'active' order by id for update`, [pgArray(ids)]);
      if (active.length === 0) return {};
      const now = new Date();
      const issued = active.map(({ id }) => SetPasswordLink.issue(id, purpose, this.config.passwordLinks, now));
      await em.execute(`update password_links set ended_at = ? where user_id = any(?::uuid[]) and purpose = ? and used_at is null and ended_at is null`, [
        now,
        pgArray(active.map((row) => row.id)),
        purpose,
      ]);
      em.persist(issued.map(({ link }) => link));
      await em.flush();
      const emails = new Map(active.map((row) => [row.id, row.email]));
      const links: Record<string, PasswordLink> = {};
      for (const { link, token } of issued) {
        links[link.userId] = {
          url: `${this.config.publicUrl}${SET_PASSWORD_PATH}?token=${encodeURIComponent(token)}`,
          expiresAt: link.expiresAt.toISOString(),
          email: emails.get(link.userId),
        };
      }
      return links;
    });
  }
}
