import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '#libs/contracts/users/index.js';
import type { CredentialScope } from '../application/credential-scope.js';
import { parseAttributeDefinitions, type AttributeDefinition } from '../domain/credential-group.js';

export interface ImportCredentialGroup {
  id: string;
  name: string;
  attributes: AttributeDefinition[];
}

/** The group with its attribute definitions, when it exists and the principal may manage it (CredentialScope). */
export async function credentialGroupFor(em: EntityManager, scope: CredentialScope, principal: Principal, groupId: string): Promise<ImportCredentialGroup | undefined> {
  if (!(await scope.mayManageGroup(em, principal, groupId))) return undefined;
  const [group] = await em.execute<{ id: string; name: string; custom_attributes: unknown }[]>(`select id, name, custom_attributes from credential_groups where id = ?`, [groupId]);
  if (!group) return undefined;
  return { id: group.id, name: group.name, attributes: parseAttributeDefinitions(group.custom_attributes ?? []) };
}
