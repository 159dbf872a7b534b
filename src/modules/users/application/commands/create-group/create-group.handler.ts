import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { forbidden } from '#libs/errors/domain-error.js';
import { Group } from '../../../domain/group.js';
import { UserAccess } from '../../user-access.js';

export class CreateGroupCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly name: string,
    readonly parentId: string | null,
  ) {
    super();
  }
}

@CommandHandler(CreateGroupCommand)
export class CreateGroupHandler implements ICommandHandler<CreateGroupCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: UserAccess,
  ) {}

  async execute({ principal, name, parentId }: CreateGroupCommand) {
    if (parentId) await this.access.assertGroupVisible(principal, parentId);
    // Top level is no group the caller administers (they could not see it afterwards): only scope.all puts one there, as for a move.
    else if (!this.access.seesEveryone(principal)) throw forbidden('USERS.GROUP_BEYOND_REACH');
    const group = Group.create(name, parentId);
    await this.em.persist(group).flush();
    return { id: group.id };
  }
}
