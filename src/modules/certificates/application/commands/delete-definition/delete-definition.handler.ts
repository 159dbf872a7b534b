import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { conflict } from '#libs/errors/domain-error.js';
import { Catalogue } from '../../catalogue.js';

export class DeleteDefinitionCommand extends Command<void> {
  constructor(readonly definitionId: string) {
    super();
  }
}

/** Deletes a definition nobody holds; refuses (409) while obtained certificates refer to it. */
@CommandHandler(DeleteDefinitionCommand)
export class DeleteDefinitionHandler implements ICommandHandler<DeleteDefinitionCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogue: Catalogue,
  ) {}

  async execute({ definitionId }: DeleteDefinitionCommand) {
    const definition = await this.catalogue.definitionById(definitionId);
    const [{ count }] = await this.em.execute<{ count: string }[]>(`select count(*) as count from obtained_certificates where definition_id = ?`, [
      definition.id,
    ]);
    if (Number(count) > 0) throw conflict('CERTIFICATES.DEFINITION_IN_USE', { count: Number(count) });
    try {
      await this.em.remove(definition).flush();
    } catch (error) {
      // Something was filed under it between the count and the delete.
      if (error instanceof ForeignKeyConstraintViolationException) throw conflict('CERTIFICATES.DEFINITION_IN_USE', { count: 1 });
      throw error;
    }
  }
}
