import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Catalogue } from '../../catalogue.js';

export class UpdateCategoryCommand extends Command<void> {
  constructor(
    readonly categoryId: string,
    readonly name: string,
  ) {
    super();
  }
}

@CommandHandler(UpdateCategoryCommand)
export class UpdateCategoryHandler implements ICommandHandler<UpdateCategoryCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogue: Catalogue,
  ) {}

  async execute({ categoryId, name }: UpdateCategoryCommand) {
    const category = await this.catalogue.category(categoryId);
    category.rename(name);
    await this.catalogue.assertCategoryNameFree(category.name, category.id);
    await this.em.flush();
  }
}
