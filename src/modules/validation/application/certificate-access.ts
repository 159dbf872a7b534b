import { Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { FindDefinitionsByIdsQuery } from '#libs/contracts/certificates/index.js';
import { FindReviewersQuery, GetUsersInScopeQuery, hasPermission, Permissions, type Principal, type UserSummary } from '#libs/contracts/users/index.js';
import { forbidden, invalid, notFound } from '#libs/errors/domain-error.js';
import { PlatformSettings } from '#libs/settings/platform-settings.js';
import type { ExternalCertificateProps } from '../domain/external-certificate.js';
import { isCandidate } from '../domain/reviewer-choice.js';
import { ExternalCertificateSettings } from './validation-settings.js';

/**
 * Who may see and act on an external certificate. Whoever may not see it gets 404, exactly as for one
 * that does not exist: scope never leaks existence.
 */
@Injectable()
export class CertificateAccess {
  constructor(
    private readonly queries: QueryBus,
    private readonly settings: PlatformSettings,
  ) {}

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

  /**
   * The assigned or fallback reviewer while they still may review the learner, or a manager whose scope
   * covers the learner; never the learner. A reviewer who lost the right (not yet moved by the events or
   * the sweep) is judged by the scope rule like anyone else.
   */
  async assertCanReview(principal: Principal, certificate: Readonly<ExternalCertificateProps>): Promise<void> {
    const me = principal.userId;
    if (me === certificate.userId) throw forbidden('VALIDATION.OWN_CERTIFICATE');
    if (await this.isStillReviewer(me, certificate)) return;
    if (!(await this.managedLearner(principal, certificate.userId))) throw notFound('VALIDATION.NOT_FOUND');
  }

  /**
   * Whether `userId` is the task's reviewer or fallback reviewer and still may review its learner now
   * (a candidate of FindReviewersQuery with the current reviewer-type setting).
   */
  async isStillReviewer(
    userId: string,
    certificate: Readonly<Pick<ExternalCertificateProps, 'userId' | 'reviewerId' | 'fallbackReviewerId'>>,
  ): Promise<boolean> {
    if (userId !== certificate.reviewerId && userId !== certificate.fallbackReviewerId) return false;
    const reviewerType = await this.settings.get(ExternalCertificateSettings.reviewerType);
    const candidates = await this.queries.execute(new FindReviewersQuery(certificate.userId, reviewerType));
    return isCandidate(candidates, userId);
  }

  /** A definition of the catalogue to associate: unknown → 400 VALIDATION.DEFINITION_UNKNOWN. */
  async assertDefinitionExists(definitionId: string | null | undefined): Promise<void> {
    if (definitionId === undefined || definitionId === null) return;
    const found = await this.queries.execute(new FindDefinitionsByIdsQuery([definitionId]));
    if (found.length === 0) throw invalid('VALIDATION.DEFINITION_UNKNOWN', { definitionId });
  }
}
