import { hashPassword } from '../../src/modules/users/domain/password-hasher.js';
import type { TestApp } from './test-app.js';

/**
 * Gives a test user a password directly in the test's own database. The API refuses to set other
 * users' passwords (admins send a reset link instead), and the product has no way around that on
 * purpose; a test that must sign in as a user it created sets the hash the way the demo seeder does.
 */
export async function setPasswordInDatabase(app: TestApp, userId: string, password: string): Promise<void> {
  const rows = await app.sql('update users set password_hash = $1 where id = $2 returning id', [await hashPassword(password), userId]);
  if (rows.length !== 1) throw new Error(`no user ${userId} to set a password for`);
}
