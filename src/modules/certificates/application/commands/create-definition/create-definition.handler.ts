import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CertificateDefinition, type DefinitionDetails } from '../../../domain/certificate-definition.js';
import { Catalogue } from '../../catalogue.js';

export class CreateDefinitionCommand extends Command<{ id: string }> {
  constructor(
    readonly code: string,
    readonly details: DefinitionDetails,
  ) {
    super();
  }
}

@CommandHandler(CreateDefinitionCommand)
export class CreateDefinitionHandler implements ICommandHandler<CreateDefinitionCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly catalogue: Catalogue,
  ) {}

  async execute({ code, details }: CreateDefinitionCommand) {
    const definition = CertificateDefinition.define(code, details);
    await this.catalogue.category(definition.categoryId);
    await this.catalogue.assertCodeFree(definition.code);
    await this.em.persist(definition).flush();
    return { id: definition.id };
  }
}
