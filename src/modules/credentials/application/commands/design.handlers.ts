import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, forbidden, notFound } from '#libs/errors/domain-error.js';
import { parseDesignName, parsePlaceholders } from '../../domain/credential-group.js';
import { sql } from '../../infrastructure/credential-store.js';
import { pgArray } from '#libs/database/sql.js';
import { CredentialScope, isUuid, NIL } from '../credential-scope.js';

export interface DesignInput {
  name?: string;
  placeholders?: string[];
}

export class CreateDesignCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly input: Required<Pick<DesignInput, 'name'>> & DesignInput,
  ) {
    super();
  }
}

export class UpdateDesignCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly designId: string,
    readonly input: DesignInput,
  ) {
    super();
  }
}

export class DeleteDesignCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly designId: string,
  ) {
    super();
  }
}

/**
 * A design may be changed or deleted only by someone who manages every credential group that uses it
 * (a design change shows on all their credentials at once). Unused designs: anyone with credentials.manage.
 */
async function assertMayChangeDesign(em: EntityManager, scope: CredentialScope, principal: Principal, designId: string): Promise<number> {
  const [design] = await em.execute<{ id: string }[]>(`select id from credential_designs where id = ? for update`, [isUuid(designId) ? designId : NIL]);
  if (!design) throw notFound('CREDENTIALS.DESIGN_NOT_FOUND');
  const condition = await scope.condition(principal, 'owner_group_id');
  const [usage] = await em.execute<{ total: string; outside: string }[]>(
    `select count(*) as total, count(*) filter (where not coalesce(${condition.sql}, false)) as outside from credential_groups where design_id = ?`,
    [...condition.params, designId],
  );
  if (Number(usage.outside) > 0) throw forbidden('CREDENTIALS.DESIGN_NOT_ALLOWED');
  return Number(usage.total);
}

@CommandHandler(CreateDesignCommand)
export class CreateDesignHandler implements ICommandHandler<CreateDesignCommand> {
  constructor(private readonly em: EntityManager) {}
  async execute({ input }: CreateDesignCommand) {
    const id = randomUUID();
    await this.em.execute(`insert into credential_designs (id, name, placeholders) values (?, ?, ?::text[])`, [
      id,
      parseDesignName(input.name),
      pgArray(parsePlaceholders(input.placeholders ?? [])),
    ]);
    return { id };
  }
}

@CommandHandler(UpdateDesignCommand)
export class UpdateDesignHandler implements ICommandHandler<UpdateDesignCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
  ) {}
  async execute({ principal, designId, input }: UpdateDesignCommand) {
    await this.em.transactional(async (em) => {
      await assertMayChangeDesign(em, this.scope, principal, designId);
      const sets: string[] = [];
      const params: unknown[] = [];
      if (input.name !== undefined) {
        sets.push('name = ?');
        params.push(parseDesignName(input.name));
      }
      if (input.placeholders !== undefined) {
        sets.push('placeholders = ?::text[]');
        params.push(pgArray(parsePlaceholders(input.placeholders)));
      }
      if (sets.length === 0) return;
      await sql(em, `update credential_designs set ${sets.join(', ')}, updated_at = now() where id = ?`, [...params, designId]);
    });
  }
}

@CommandHandler(DeleteDesignCommand)
export class DeleteDesignHandler implements ICommandHandler<DeleteDesignCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
  ) {}
  async execute({ principal, designId }: DeleteDesignCommand) {
    await this.em.transactional(async (em) => {
      const groups = await assertMayChangeDesign(em, this.scope, principal, designId);
      if (groups > 0) throw conflict('CREDENTIALS.DESIGN_IN_USE', { count: groups });
      await sql(em, `delete from credential_designs where id = ?`, [designId]);
    });
  }
}
