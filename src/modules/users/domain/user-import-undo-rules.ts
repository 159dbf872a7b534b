import type { RowChange } from '#libs/contracts/imports/index.js';
import type { ProfileValue } from './profile-field-definition.js';
import { PROFILE_COLUMN_PREFIX, type RecordedValues } from './user-import-row-rules.js';

/** The entity and meta keys of a users import's change records. */
export const USER_ENTITY = 'user';
/** Groups the row added the user to (created and updated users). */
export const GROUPS_ADDED = 'groupsAdded';
/** The role a created user was given. */
export const ROLE_GIVEN = 'roleKey';
const META_KEYS = new Set([GROUPS_ADDED, ROLE_GIVEN]);
const USER_FIELDS = new Set(['email', 'firstName', 'lastName', 'userCode', 'language']);

/** A user as the undo finds them now. */
export interface UserNow {
  email: string;
  /** User fields by name (email, firstName, lastName, userCode, language). */
  fields: Record<string, string | null>;
  profile: Record<string, ProfileValue>;
  deleted: boolean;
  hasPassword: boolean;
  /** Administers a group, manages or is managed, or holds an API token. */
  related: boolean;
  groupIds: string[];
  roleKeys: string[];
  /** In the admin's scope, within their reach, holding nothing beyond their permissions. */
  manageable: boolean;
}

export type UserUndoDecision =
  | { kind: 'delete'; groupsAdded: string[] }
  | { kind: 'revert'; groupsAdded: string[]; fields: RecordedValues; profileSet: Record<string, ProfileValue>; profileRemove: string[] }
  | { kind: 'skip'; code: string; params?: Record<string, string | number> }
  | { kind: 'fail'; code: string; params?: Record<string, string | number> };

/**
 * What undoing one row of a users import does. Untouched since = every value the row recorded (`after`) is
 * still the user's value; otherwise the row is skipped, entirely. An updated user gets `before` back. A
 * created user is deleted only while they have no password (never signed in) and hold nothing but what the
 * import gave them (its groups, its role; no group they administer, no manager relation, no API token).
 * The memberships the row added go in both cases.
 */
export function decideUserUndo(change: RowChange, user: UserNow | undefined): UserUndoDecision {
  if (change.entity !== USER_ENTITY || change.after === null) return { kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED', params: { type: 'users' } };
  if (!user || user.deleted) return { kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' };
  if (!user.manageable) return { kind: 'fail', code: 'USERS.IMPORT_UNDO_NOT_MANAGEABLE' };
  const after = change.after;
  const untouched = Object.entries(after)
    .filter(([key]) => !META_KEYS.has(key))
    .every(([key, value]) => currentValue(user, key) === value);
  if (!untouched) return { kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' };
  const groupsAdded = Array.isArray(after[GROUPS_ADDED]) ? (after[GROUPS_ADDED] as unknown[]).map(String) : [];

  if (change.before === null) {
    const onlyImported =
      !user.hasPassword && !user.related && user.groupIds.every((id) => groupsAdded.includes(id)) && user.roleKeys.every((role) => role === after[ROLE_GIVEN]);
    return onlyImported ? { kind: 'delete', groupsAdded } : { kind: 'skip', code: 'USERS.IMPORT_UNDO_USER_IN_USE', params: { email: user.email } };
  }
  const fields: RecordedValues = {};
  const profileSet: Record<string, ProfileValue> = {};
  const profileRemove: string[] = [];
  for (const [key, value] of Object.entries(change.before)) {
    if (key.startsWith(PROFILE_COLUMN_PREFIX)) {
      const field = key.slice(PROFILE_COLUMN_PREFIX.length);
      if (value === null || value === undefined) profileRemove.push(field);
      else profileSet[field] = value as ProfileValue;
    } else if (USER_FIELDS.has(key)) {
      fields[key] = value as string | null;
    }
  }
  return { kind: 'revert', groupsAdded, fields, profileSet, profileRemove };
}

function currentValue(user: UserNow, key: string): unknown {
  if (key.startsWith(PROFILE_COLUMN_PREFIX)) return user.profile[key.slice(PROFILE_COLUMN_PREFIX.length)] ?? null;
  return USER_FIELDS.has(key) ? user.fields[key] : undefined;
}
