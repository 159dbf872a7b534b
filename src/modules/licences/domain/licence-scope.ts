/**
 * Whose licences a principal may manage: the users in their scope, but never their own unless they see
 * everyone (scope.all). The Users module's scope includes the caller themselves; a supervisor (manager,
 * group admin) recording or changing their own licence would certify themselves, so an admin's own
 * licences are managed only by a platform admin.
 */
export function managesLicencesOf(principal: { userId: string; seesEveryone: boolean }, holderId: string): boolean {
  return principal.seesEveryone || holderId !== principal.userId;
}
