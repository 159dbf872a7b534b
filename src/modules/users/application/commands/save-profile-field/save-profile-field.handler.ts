import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import { ProfileFieldDefinition, type ProfileFieldType } from '../../../domain/profile-field-definition.js';

export interface ProfileFieldInput {
  label?: string;
  type?: ProfileFieldType;
  options?: string[] | null;
  openForImport?: boolean;
}

/** Defines a new profile field (create) or changes an existing one. */
export class SaveProfileFieldCommand extends Command<{ key: string }> {
  constructor(
    readonly key: string,
    readonly create: boolean,
    readonly input: ProfileFieldInput,
  ) {
    super();
  }
}

@CommandHandler(SaveProfileFieldCommand)
export class SaveProfileFieldHandler implements ICommandHandler<SaveProfileFieldCommand> {
  constructor(private readonly em: EntityManager) {}

  async execute({ key, create, input }: SaveProfileFieldCommand) {
    const existing = await this.em.findOne(ProfileFieldDefinition, { key });
    if (create) {
      if (existing) throw conflict('USERS.PROFILE_FIELD_KEY_TAKEN', { key });
      const field = ProfileFieldDefinition.define({ key, label: input.label ?? key, type: input.type ?? 'text', ...input });
      await this.em.persist(field).flush();
      return { key };
    }
    if (!existing) throw notFound('USERS.PROFILE_FIELD_NOT_FOUND');
    existing.change(input);
    await this.em.flush();
    return { key };
  }
}
