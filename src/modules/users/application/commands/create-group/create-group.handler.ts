import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
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
    const group = Group.create(name, parentId);
    await this.em.persist(group).flush();
    return { id: group.id };
  }
}
