import type { EntityManager } from '@mikro-orm/postgresql';
import { hasPermission, Permissions, type Principal } from '#libs/contracts/users/index.js';
import type { CustomAttribute } from '../domain/credential-update-rules.js';

/**
 * The credential groups a principal may update through the import: every group for platform admins
 * (scope.all), otherwise the groups owned by a user group they administer (or a subgroup of one).
 * Kept as SQL so the chunk's lookup can use it.
 */
export const MANAGEABLE_CREDENTIAL_GROUPS_SQL = `
  with recursive administered(id) as (
    select ga.group_id from group_admins ga where ga.user_id = ?
    union
    select g.id from groups g join administered a on g.parent_id = a.id
  )
  select cg.id from credential_groups cg where cg.owner_group_id in (select id from administered)`;

/** The ids of the credential groups the principal may manage, or 'all'. */
export async function manageableCredentialGroupIds(em: EntityManager, principal: Principal): Promise<'all' | Set<string>> {
  if (hasPermission(principal, Permissions.ScopeAll)) return 'all';
  const rows = await em.execute<{ id: string }[]>(MANAGEABLE_CREDENTIAL_GROUPS_SQL, [principal.userId]);
  return new Set(rows.map((row) => row.id));
}

export interface ImportCredentialGroup {
  id: string;
  name: string;
  attributes: CustomAttribute[];
}

/** The group, when it exists and the principal may manage it. */
export async function credentialGroupFor(em: EntityManager, principal: Principal, groupId: string): Promise<ImportCredentialGroup | undefined> {
  const [group] = await em.execute<{ id: string; name: string; custom_attributes: unknown }[]>(
    `select id, name, custom_attributes from credential_groups where id = ?`,
    [groupId],
  );
  if (!group) return undefined;
  const manageable = await manageableCredentialGroupIds(em, principal);
  if (manageable !== 'all' && !manageable.has(group.id)) return undefined;
  return { id: group.id, name: group.name, attributes: customAttributesOf(group.custom_attributes) };
}

/** Attribute definitions as stored (`[{key, label, ...}]`); anything without a key is ignored. */
export function customAttributesOf(stored: unknown): CustomAttribute[] {
  if (!Array.isArray(stored)) return [];
  const attributes: CustomAttribute[] = [];
  for (const item of stored) {
    if (typeof item !== 'object' || item === null) continue;
    const { key, label, name } = item as { key?: unknown; label?: unknown; name?: unknown };
    const attributeKey = typeof key === 'string' ? key : typeof name === 'string' ? name : undefined;
    if (!attributeKey) continue;
    attributes.push({ key: attributeKey, label: typeof label === 'string' && label ? label : typeof name === 'string' && name ? name : attributeKey });
  }
  return attributes;
}
