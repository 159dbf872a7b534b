import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, DomainError, forbidden } from '#libs/errors/domain-error.js';
import { checkMapping, type ColumnMapping } from '../../../domain/column-mapping.js';
import { Import } from '../../../domain/import.js';
import { ImportRepository } from '../../../infrastructure/import-repository.js';
import { MappingMemory } from '../../../infrastructure/mapping-memory.js';
import { ImportAccess } from '../../import-access.js';
import { ImportColumns } from '../../import-columns.js';
import { ImportTypeRegistry } from '../../import-type-registry.js';

export class SetImportMappingCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly mapping: ColumnMapping,
    readonly options: Record<string, unknown>,
  ) {
    super();
  }
}

/**
 * The admin's mapping and options for an import that waits for them, checked here before any work is
 * queued: options against the type's schema and the principal's scope, the mapping against the columns
 * this principal may import with these options (every mandatory one, no key twice, no unknown key).
 * Then the import moves on to validation, and this mapping is remembered for the same headers.
 */
@CommandHandler(SetImportMappingCommand)
export class SetImportMappingHandler implements ICommandHandler<SetImportMappingCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly access: ImportAccess,
    private readonly registry: ImportTypeRegistry,
    private readonly columns: ImportColumns,
    private readonly imports: ImportRepository,
    private readonly memory: MappingMemory,
  ) {}

  async execute({ principal, importId, mapping, options }: SetImportMappingCommand) {
    await this.access.assertVisible(principal, importId);
    const em = this.em.fork();
    const run = await em.findOneOrFail(Import, { id: importId });
    const type = await this.registry.usableBy(run.type, principal);
    // The run acts as its starter (their scope, their name in the log): a decision by anyone else would
    // grant in their name what they may not grant themselves.
    if (run.startedBy !== principal.userId) throw forbidden('IMPORTS.ONLY_STARTER_DECIDES', { name: run.startedByName });
    if (run.status !== 'awaiting_mapping') throw conflict('IMPORTS.NOT_AWAITING_MAPPING', { status: run.status });
    const checkedOptions = await this.columns.checkOptions(type, principal, options);
    const columns = await this.columns.for(type, principal, checkedOptions);
    const headers = run.preview?.headers ?? run.header ?? [];
    const problems = checkMapping(headers, mapping, columns);
    if (problems.length > 0) {
      throw new DomainError(
        problems[0].code,
        'validation',
        problems[0].params,
        problems.map((problem) => ({ field: problem.header ? `mapping.${problem.header}` : 'mapping', code: problem.code, params: problem.params })),
      );
    }
    run.acceptMapping(mapping, checkedOptions);
    await em.transactional(async (tx) => {
      if (!(await this.imports.saveDecision(tx, run, 'awaiting_mapping'))) throw conflict('IMPORTS.NOT_AWAITING_MAPPING', { status: 'changed' });
      await this.memory.remember(tx, principal.userId, type.key, headers, mapping);
    });
  }
}
