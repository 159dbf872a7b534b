import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ImportAdvanced } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { Import } from '../../../domain/import.js';
import { ImportAccess } from '../../import-access.js';
import { ImportTypeRegistry } from '../../import-type-registry.js';

export class UndoImportCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
  ) {
    super();
  }
}

/**
 * Reverts a completed import: a new import (mode undo) whose rows are the original's recorded changes,
 * run through the type's own undo commands, with its own log and progress. One undo per import.
 */
@CommandHandler(UndoImportCommand)
export class UndoImportHandler implements ICommandHandler<UndoImportCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
    private readonly registry: ImportTypeRegistry,
  ) {}

  async execute({ principal, importId }: UndoImportCommand) {
    await this.access.assertVisible(principal, importId);
    try {
      return await this.em.fork().transactional(async (em) => {
        // Locked, so that a double click does not undo twice (the unique index is the last word).
        const source = await em.findOneOrFail(Import, { id: importId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const type = await this.registry.usableBy(source.type, principal);
        const earlier = await em.execute<{ id: string }[]>(`select id from imports where undo_of = ? and status not in ('failed', 'cancelled', 'expired') limit 1`, [importId]);
        if (earlier.length > 0) throw conflict('IMPORTS.ALREADY_UNDONE', { id: earlier[0].id });
        const undo = source.undo({ id: principal.userId, name: principal.displayName, language: principal.language }, Boolean(type.undoChunk));
        em.persist(undo);
        recordEvent(em, new ImportAdvanced({ importId: undo.id, status: undo.status }));
        await em.flush();
        return { id: undo.id };
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('IMPORTS.ALREADY_UNDONE', { id: importId });
      throw error;
    }
  }
}
