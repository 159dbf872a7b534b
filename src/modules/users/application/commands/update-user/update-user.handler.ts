import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden, notFound } from '#libs/errors/domain-error.js';
import { ProfileFieldDefinition } from '../../../domain/profile-field-definition.js';
import { User, type UserDetails } from '../../../domain/user.js';
import { endOpenPasswordLinks } from '../../password-links.js';
import { UserAccess } from '../../user-access.js';
import { UserUniqueness } from '../../user-uniqueness.js';

export interface UpdateUserInput extends Partial<UserDetails> {
  password?: string;
  profile?: Record<string, unknown>;
}

export class UpdateUserCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly userId: string,
    readonly input: UpdateUserInput,
  ) {
    super();
  }
}

@CommandHandler(UpdateUserCommand)
export class UpdateUserHandler implements ICommandHandler<UpdateUserCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
    private readonly uniqueness: UserUniqueness,
  ) {}

  async execute({ principal, userId, input }: UpdateUserCommand) {
    // Nobody sets another user's password (an admin who could would sign in as them), and one's own
    // password changes only with the current one (POST /api/auth/password). Admins will send a reset
    // link instead; until that exists, the request is refused with a code that says so.
    if (input.password !== undefined) {
      throw forbidden(principal.userId === userId ? 'USERS.OWN_PASSWORD_NEEDS_CURRENT' : 'USERS.PASSWORD_RESET_LINK_REQUIRED');
    }
    await this.access.assertCanManageUser(principal, userId);
    await this.em.transactional(async (em) => {
      // The row for update, as IssuePasswordLink(s) take it: a link issued beside an email change is either
      // ended by it or issued for the new address, never left open for the old one.
      const user = await em.findOne(User, { id: userId, status: 'active' }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, populate: ['passwordHash'] });
      if (!user) throw notFound('USERS.USER_NOT_FOUND');
      const { password: _password, profile, ...details } = input;
      const emailBefore = user.email;
      if (details.email !== undefined && User.normaliseEmail(details.email) !== emailBefore && !user.mayChangeEmailBy(principal.userId)) {
        throw forbidden('USERS.EMAIL_CHANGE_NEEDS_OWNER');
      }
      user.change(details);
      await this.uniqueness.assertFree(user);
      if (profile) {
        const definitions = await em.find(ProfileFieldDefinition, { key: { $in: Object.keys(profile) } });
        user.setProfileValues(profile, new Map(definitions.map((d) => [d.key, d])));
      }
      await em.flush();
      // A set-password link mailed to the old address must not work for the account at its new one (whoever
      // changed the address could otherwise ask for a reset, or the old mailbox could still set the password).
      if (user.email !== emailBefore) await endOpenPasswordLinks(em, [user.id]);
    });
  }
}
