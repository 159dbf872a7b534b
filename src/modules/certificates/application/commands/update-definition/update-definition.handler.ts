import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DefinitionDetails } from '../../../domain/certificate-definition.js';
import { Catalogue } from '../../catalogue.js';

export class UpdateDefinitionCommand extends Command<void> {
  constructor(
    readonly definitionId: string,
    readonly changes: Partial<DefinitionDetails>,
  ) {
    super();
  }
}

/**
 * Changes name, category, default validity or number prefix. Certificates registered earlier keep the
 * expiry and number they were given; only new registrations follow the new terms.
 */
@CommandHandler(UpdateDefinitionCommand)
export class UpdateDefinitionHandler implements ICommandHandler<UpdateDefinitionCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogue: Catalogue,
  ) {}

  async execute({ definitionId, changes }: UpdateDefinitionCommand) {
    const definition = await this.catalogue.definitionById(definitionId);
    if (changes.categoryId !== undefined && changes.categoryId !== definition.categoryId) await this.catalogue.category(changes.categoryId);
    definition.change(changes);
    await this.em.flush();
  }
}
