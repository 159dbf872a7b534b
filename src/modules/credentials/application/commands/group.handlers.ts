import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, forbidden, notFound } from '#libs/errors/domain-error.js';
import { assertAttributeNamesFree, parseAttributeDefinitions, parseGroupName, parseOptionalText, planDefinitionChange, type AttributeDefinition } from '../../domain/credential-group.js';
import { CredentialStore, sql } from '../../infrastructure/credential-store.js';
import { CredentialScope, isUuid, NIL } from '../credential-scope.js';
import { STANDARD_COLUMN_NAMES } from '../imports/credential-update.import-type.js';

export interface GroupInput {
  name?: string;
  course?: string | null;
  description?: string | null;
  designId?: string;
  ownerGroupId?: string | null;
  customAttributes?: unknown[];
}

export class CreateCredentialGroupCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly input: GroupInput,
  ) {
    super();
  }
}

/** Changes a group; a new design_id is one update: its credentials reference the design through the group. */
export class UpdateCredentialGroupCommand extends Command<void> {
  constructor(
    readonly principal: Principal,
    readonly groupId: string,
    readonly input: GroupInput,
  ) {
    super();
  }
}

async function assertDesignExists(em: EntityManager, designId: unknown): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(`select id from credential_designs where id = ?`, [isUuid(designId) ? designId : NIL]);
  if (!row) throw notFound('CREDENTIALS.DESIGN_NOT_FOUND');
  return row.id;
}

async function assertMayOwn(scope: CredentialScope, principal: Principal, ownerGroupId: string | null): Promise<void> {
  if (!(await scope.mayOwn(principal, ownerGroupId))) throw forbidden('CREDENTIALS.OWNER_GROUP_NOT_ALLOWED');
}

function nameTaken(error: unknown, name: string): never {
  if (error instanceof UniqueConstraintViolationException) throw conflict('CREDENTIALS.GROUP_NAME_TAKEN', { name });
  throw error;
}

@CommandHandler(CreateCredentialGroupCommand)
export class CreateCredentialGroupHandler implements ICommandHandler<CreateCredentialGroupCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
  ) {}

  async execute({ principal, input }: CreateCredentialGroupCommand) {
    const name = parseGroupName(input.name);
    const definitions = parseAttributeDefinitions(input.customAttributes ?? []);
    assertAttributeNamesFree(definitions, STANDARD_COLUMN_NAMES);
    const ownerGroupId = input.ownerGroupId ?? null;
    await assertMayOwn(this.scope, principal, ownerGroupId);
    const id = randomUUID();
    await this.em
      .transactional(async (em) => {
        const designId = await assertDesignExists(em, input.designId);
        await sql(em, `insert into credential_groups (id, name, course, description, design_id, owner_group_id, custom_attributes) values (?, ?, ?, ?, ?, ?, ?::jsonb)`, [
          id,
          name,
          parseOptionalText(input.course, 'course', 200),
          parseOptionalText(input.description, 'description'),
          designId,
          ownerGroupId,
          JSON.stringify(definitions),
        ]);
      })
      .catch((error: unknown) => nameTaken(error, name));
    return { id };
  }
}

@CommandHandler(UpdateCredentialGroupCommand)
export class UpdateCredentialGroupHandler implements ICommandHandler<UpdateCredentialGroupCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
    private readonly store: CredentialStore,
  ) {}

  async execute({ principal, groupId, input }: UpdateCredentialGroupCommand) {
    let name: string | undefined;
    await this.em
      .transactional(async (em) => {
        await this.scope.assertGroupManageable(em, principal, groupId);
        const group = await this.store.group(em, groupId, true);
        const sets: string[] = [];
        const params: unknown[] = [];
        const set = (column: string, value: unknown, cast = '') => {
          sets.push(`${column} = ?${cast}`);
          params.push(value);
        };
        if (input.name !== undefined) set('name', (name = parseGroupName(input.name)));
        if (input.course !== undefined) set('course', parseOptionalText(input.course, 'course', 200));
        if (input.description !== undefined) set('description', parseOptionalText(input.description, 'description'));
        if (input.designId !== undefined && input.designId !== group.designId) set('design_id', await assertDesignExists(em, input.designId));
        if (input.ownerGroupId !== undefined && input.ownerGroupId !== group.ownerGroupId) {
          await assertMayOwn(this.scope, principal, input.ownerGroupId);
          set('owner_group_id', input.ownerGroupId);
        }
        if (input.customAttributes !== undefined) {
          const definitions = parseAttributeDefinitions(input.customAttributes);
          assertAttributeNamesFree(definitions, STANDARD_COLUMN_NAMES);
          await assertSafeDefinitionChange(em, groupId, group.customAttributes, definitions);
          set('custom_attributes', JSON.stringify(definitions), '::jsonb');
        }
        if (sets.length === 0) return;
        await sql(em, `update credential_groups set ${sets.join(', ')}, updated_at = now() where id = ?`, [...params, groupId]);
      })
      .catch((error: unknown) => nameTaken(error, name ?? ''));
  }
}

/**
 * Definitions change safely: an attribute in use (any credential has a value) is neither removed nor given
 * another kind; an attribute becomes required only when every credential of the group has a value.
 */
async function assertSafeDefinitionChange(em: EntityManager, groupId: string, before: AttributeDefinition[], after: AttributeDefinition[]): Promise<void> {
  const plan = planDefinitionChange(before, after);
  for (const [keys, change] of [
    [plan.removed, 'removed'],
    [plan.kindChanged, 'given another kind'],
  ] as const) {
    for (const key of keys) {
      const [row] = await em.execute<{ count: string }[]>(`select count(*) as count from credentials where group_id = ? and jsonb_exists(attributes, ?)`, [groupId, key]);
      if (Number(row.count) > 0) throw conflict('CREDENTIALS.ATTRIBUTE_IN_USE', { key, change, count: Number(row.count) });
    }
  }
  for (const key of plan.nowRequired) {
    const [row] = await em.execute<{ count: string }[]>(`select count(*) as count from credentials where group_id = ? and not jsonb_exists(attributes, ?)`, [groupId, key]);
    if (Number(row.count) > 0) throw conflict('CREDENTIALS.ATTRIBUTE_MISSING_VALUES', { key, count: Number(row.count) });
  }
}
