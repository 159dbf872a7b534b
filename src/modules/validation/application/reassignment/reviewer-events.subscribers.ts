import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { GroupAdminRemoved, ManagerRelationEnded, UserDeleted, UserRolesChanged } from '#libs/contracts/users/index.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';
import { ReviewerReassignment } from './reviewer-reassignment.js';

/*
 * Events of the Users module that can take a reviewer away. Each re-checks the pending tasks the user
 * reviews or is fallback for (and, when a manager relation ended, the managee's tasks): a reviewer who
 * may no longer review is replaced at once (see ReviewerReassignment). Idempotent: a redelivery finds
 * nothing left to move.
 */

@Injectable()
@SubscribesTo(UserDeleted, 'validation.reviewers.user-deleted')
export class ReassignOnUserDeleted implements IntegrationEventSubscriber<{ userId: string }> {
  constructor(private readonly reassignment: ReviewerReassignment) {}
  async handle({ payload }: DeliveredEvent<{ userId: string }>, em: EntityManager): Promise<void> {
    const sql = em as SqlEntityManager;
    await this.reassignment.recheck(sql, await this.reassignment.pendingTaskIds(sql, { reviewerIds: [payload.userId] }));
  }
}

@Injectable()
@SubscribesTo(UserRolesChanged, 'validation.reviewers.user-roles-changed')
export class ReassignOnUserRolesChanged implements IntegrationEventSubscriber<{ userId: string }> {
  constructor(private readonly reassignment: ReviewerReassignment) {}
  async handle({ payload }: DeliveredEvent<{ userId: string }>, em: EntityManager): Promise<void> {
    const sql = em as SqlEntityManager;
    await this.reassignment.recheck(sql, await this.reassignment.pendingTaskIds(sql, { reviewerIds: [payload.userId] }));
  }
}

type RelationEnded = { managerId: string; manageeId: string; kind: 'manager' | 'coach' };

@Injectable()
@SubscribesTo(ManagerRelationEnded, 'validation.reviewers.manager-relation-ended')
export class ReassignOnManagerRelationEnded implements IntegrationEventSubscriber<RelationEnded> {
  constructor(private readonly reassignment: ReviewerReassignment) {}
  async handle({ payload }: DeliveredEvent<RelationEnded>, em: EntityManager): Promise<void> {
    const sql = em as SqlEntityManager;
    // The managee's tasks (their reviewer may have been this manager), and the manager's (a fallback may change).
    const ids = await this.reassignment.pendingTaskIds(sql, { reviewerIds: [payload.managerId], learnerIds: [payload.manageeId] });
    await this.reassignment.recheck(sql, ids);
  }
}

@Injectable()
@SubscribesTo(GroupAdminRemoved, 'validation.reviewers.group-admin-removed')
export class ReassignOnGroupAdminRemoved implements IntegrationEventSubscriber<{ groupId: string; userId: string }> {
  constructor(private readonly reassignment: ReviewerReassignment) {}
  async handle({ payload }: DeliveredEvent<{ groupId: string; userId: string }>, em: EntityManager): Promise<void> {
    const sql = em as SqlEntityManager;
    await this.reassignment.recheck(sql, await this.reassignment.pendingTaskIds(sql, { reviewerIds: [payload.userId] }));
  }
}
