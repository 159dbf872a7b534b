import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound } from '../../../../../../libs/errors/domain-error.js';
import { Role } from '../../../domain/role.js';

export class DeleteRoleCommand extends Command<void> {
  constructor(readonly id: string) {
    super();
  }
}

@CommandHandler(DeleteRoleCommand)
export class DeleteRoleHandler implements ICommandHandler<DeleteRoleCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ id }: DeleteRoleCommand) {
    const role = await this.em.findOne(Role, { id });
    if (!role) throw notFound('USERS.ROLE_NOT_FOUND');
    role.assertEditable();
    await this.em.remove(role).flush();
  }
}
