import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { FindDefinitionsByIdsQuery } from '#libs/contracts/certificates/index.js';
import { GetUsersInScopeQuery, hasPermission, Permissions, type Principal, type UserSummary } from '#libs/contracts/users/index.js';
import { forbidden, invalid, notFound } from '#libs/errors/domain-error.js';
import type { ExternalCertificateProps } from '../domain/external-certificate.js';

/**
 * Who may see and act on an external certificate. Whoever may not see it gets 404, exactly as for one
 * that does not exist: scope never leaks existence.
 */
@Injectable()
export class CertificateAccess {
  constructor(private readonly queries: QueryBus) {}

  mayManage(principal: Principal): boolean {
    return hasPermission(principal, Permissions.ExternalCertificatesManage);
  }

  /** The learner when the principal holds external-certificates.manage and their scope covers them. */
  async managedLearner(principal: Principal, userId: string): Promise<UserSummary | undefined> {
    if (!this.mayManage(principal)) return undefined;
    const [user] = await this.queries.execute(new GetUsersInScopeQuery(principal, [userId]));
    return user;
  }

  /** The learner, the uploader, the assigned or fallback reviewer, or a manager whose scope covers the learner. */
  async assertCanSee(principal: Principal, certificate: Readonly<ExternalCertificateProps>): Promise<void> {
    const me = principal.userId;
    if ([certificate.userId, certificate.uploadedBy, certificate.reviewerId, certificate.fallbackReviewerId].includes(me)) return;
    if (!(await this.managedLearner(principal, certificate.userId))) throw notFound('VALIDATION.NOT_FOUND');
  }

  /** The assigned or fallback reviewer, or a manager whose scope covers the learner; never the learner. */
  async assertCanReview(principal: Principal, certificate: Readonly<ExternalCertificateProps>): Promise<void> {
    const me = principal.userId;
    if (me === certificate.userId) throw forbidden('VALIDATION.OWN_CERTIFICATE');
    if (me === certificate.reviewerId || me === certificate.fallbackReviewerId) return;
    if (!(await this.managedLearner(principal, certificate.userId))) throw notFound('VALIDATION.NOT_FOUND');
  }

  /** A definition of the catalogue to associate: unknown → 400 VALIDATION.DEFINITION_UNKNOWN. */
  async assertDefinitionExists(definitionId: string | null | undefined): Promise<void> {
    if (definitionId === undefined || definitionId === null) return;
    const found = await this.queries.execute(new FindDefinitionsByIdsQuery([definitionId]));
    if (found.length === 0) throw invalid('VALIDATION.DEFINITION_UNKNOWN', { definitionId });
  }
}
