import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '#libs/database/sql.js';

/**
 * Ends every open set-password link (welcome and reset) of these users, in the caller's transaction:
 * for an email address that changed, the links mailed to the old one stop working.
 */
export async function endOpenPasswordLinks(em: EntityManager, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await em.execute(`update password_links set ended_at = now() where user_id = any(?::uuid[]) and used_at is null and ended_at is null`, [pgArray(userIds)]);
}
