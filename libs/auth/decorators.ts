import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '#libs/contracts/users/principal.js';

export const PUBLIC_ROUTE = Symbol('public-route');
export const REQUIRED_PERMISSIONS = Symbol('required-permissions');

/** The endpoint needs no token (login, health, docs, email-link landing pages). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The caller needs every one of these permissions; otherwise 403 naming the missing one. */
export const RequirePermissions = (...permissions: string[]) => SetMetadata(REQUIRED_PERMISSIONS, permissions);

/** The authenticated caller, set by the authentication guard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!request.principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return request.principal;
});
