import type { Schemas } from './api';

/** The signed-in user as GET /api/auth/me describes them. */
export type Me = Schemas['MeDto'];

/** Permission names as the API uses them (libs/contracts/users/permissions.ts); the app only shows what they allow. */
export const can = (me: Me, permission: string) => me.permissions.includes(permission);
/** May run at least one import type (`imports.<type>`). */
export const canImport = (me: Me) => me.permissions.some((permission) => permission.startsWith('imports.'));
/** Reviews external certificates of the users in scope. */
export const canReview = (me: Me) => can(me, 'external-certificates.manage');
