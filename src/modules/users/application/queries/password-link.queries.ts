import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Language } from '#libs/i18n/i18n.js';
import { SetPasswordLink, type SetPasswordLinkPurpose } from '../../domain/set-password-link.js';

export interface OpenPasswordLinkView {
  purpose: SetPasswordLinkPurpose;
  language: Language;
}

/** The link behind a token while it can still set a password (open, its user active); undefined otherwise. Reads only. */
export class GetOpenPasswordLinkQuery extends Query<OpenPasswordLinkView | undefined> {
  constructor(readonly token: string) {
    super();
  }
}

@QueryHandler(GetOpenPasswordLinkQuery)
export class GetOpenPasswordLinkHandler implements IQueryHandler<GetOpenPasswordLinkQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ token }: GetOpenPasswordLinkQuery): Promise<OpenPasswordLinkView | undefined> {
    if (!SetPasswordLink.isWellFormedToken(token)) return undefined;
    const rows = await this.em.execute<{ purpose: SetPasswordLinkPurpose; language: Language }[]>(
      `select l.purpose, u.language
         from password_links l join users u on u.id = l.user_id
        where l.token_hash = ? and l.used_at is null and l.ended_at is null and l.expires_at > now() and u.status = 'active'`,
      [SetPasswordLink.hash(token)],
    );
    return rows[0];
  }
}
