import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound } from '#libs/errors/domain-error.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { Role } from '../../../domain/role.js';
import { UserAccess } from '../../user-access.js';

export class DeleteRoleCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly id: string,
  ) {
    super();
  }
}

@CommandHandler(DeleteRoleCommand)
export class DeleteRoleHandler implements ICommandHandler<DeleteRoleCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  /** Deleting a role takes it from everyone holding it: only for callers who may manage each of them. */
  async execute({ principal, id }: DeleteRoleCommand) {
    const role = await this.em.findOne(Role, { id });
    if (!role) throw notFound('USERS.ROLE_NOT_FOUND');
    role.assertEditable();
    await this.access.assertCanChangeRole(principal, role.id);
    await this.em.remove(role).flush();
  }
}
