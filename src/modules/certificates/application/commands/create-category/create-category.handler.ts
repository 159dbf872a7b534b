import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CertificateCategory } from '../../../domain/certificate-category.js';
import { Catalogue } from '../../catalogue.js';

export class CreateCategoryCommand extends Command<{ id: string }> {
  constructor(readonly name: string) {
    super();
  }
}

@CommandHandler(CreateCategoryCommand)
export class CreateCategoryHandler implements ICommandHandler<CreateCategoryCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogue: Catalogue,
  ) {}

  async execute({ name }: CreateCategoryCommand) {
    const category = CertificateCategory.create(name);
    await this.catalogue.assertCategoryNameFree(category.name);
    await this.em.persist(category).flush();
    return { id: category.id };
  }
}
