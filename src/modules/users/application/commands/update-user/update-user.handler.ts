import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden, notFound } from '#libs/errors/domain-error.js';
import { ProfileFieldDefinition } from '../../../domain/profile-field-definition.js';
import { User, type UserDetails } from '../../../domain/user.js';
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
    const user = await this.em.findOne(User, { id: userId, status: 'active' });
    if (!user) throw notFound('USERS.USER_NOT_FOUND');
    const { password: _password, profile, ...details } = input;
    user.change(details);
    await this.uniqueness.assertFree(user);
    if (profile) {
      const definitions = await this.em.find(ProfileFieldDefinition, { key: { $in: Object.keys(profile) } });
      user.setProfileValues(profile, new Map(definitions.map((d) => [d.key, d])));
    }
    await this.em.flush();
  }
}
