import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { conflict } from '#libs/errors/domain-error.js';
import { Catalogue } from '../../catalogue.js';

export class DeleteCategoryCommand extends Command<void> {
  constructor(readonly categoryId: string) {
    super();
  }
}

/** Deletes an empty category; refuses (409) while definitions are filed under it. */
@CommandHandler(DeleteCategoryCommand)
export class DeleteCategoryHandler implements ICommandHandler<DeleteCategoryCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogue: Catalogue,
  ) {}

  async execute({ categoryId }: DeleteCategoryCommand) {
    const category = await this.catalogue.category(categoryId);
    const [{ count }] = await this.em.execute<{ count: string }[]>(`select count(*) as count from certificate_definitions where category_id = ?`, [
      category.id,
    ]);
    if (Number(count) > 0) throw conflict('CERTIFICATES.CATEGORY_IN_USE', { count: Number(count) });
    try {
      await this.em.remove(category).flush();
    } catch (error) {
      // Something was filed under it between the count and the delete.
      if (error instanceof ForeignKeyConstraintViolationException) throw conflict('CERTIFICATES.CATEGORY_IN_USE', { count: 1 });
      throw error;
    }
  }
}
