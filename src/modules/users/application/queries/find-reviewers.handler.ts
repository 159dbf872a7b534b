import { EntityManager } from '@mikro-orm/postgresql';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { FindReviewersQuery, Permissions, type ReviewerCandidate, type ReviewerCandidateTier } from '#libs/contracts/users/index.js';

/**
 * Who may review a learner's external certificates, best first (see FindReviewersQuery): one SQL
 * statement over manager relations, the learner's groups and their ancestors, and roles. Candidates are
 * active users other than the learner; managers, coaches and group admins need external-certificates.manage,
 * platform admins are those whose roles give scope.all. A user found in several tiers counts in the best.
 * Relations carry no creation time, so ties in a tier are ordered by the nearest group, then by user id.
 */
@QueryHandler(FindReviewersQuery)
export class FindReviewersHandler implements IQueryHandler<FindReviewersQuery> {
  constructor(private readonly em: EntityManager) {}

  async execute({ learnerId, reviewerType }: FindReviewersQuery): Promise<ReviewerCandidate[]> {
    const rows = await this.em.execute<{ user_id: string; tier: ReviewerCandidateTier }[]>(
      `with recursive learner_groups(id, depth) as (
          select gm.group_id, 0 from group_members gm where gm.user_id = ?
          union
          select g.parent_id, lg.depth + 1 from learner_groups lg join groups g on g.id = lg.id where g.parent_id is not null and lg.depth < 100
        ),
        permitted as (
          select ur.user_id, bool_or(r.permissions @> array[?]::text[]) as manages, bool_or(r.permissions @> array[?]::text[]) as sees_all
            from user_roles ur join roles r on r.id = ur.role_id group by ur.user_id
        ),
        candidates(user_id, tier_rank, tier, sub_rank) as (
          select mr.manager_id, 1, 'manager', 0 from manager_relations mr where mr.managee_id = ? and mr.kind = 'manager' and ?::boolean
          union all
          select mr.manager_id, 2, 'coach', 0 from manager_relations mr where mr.managee_id = ? and mr.kind = 'coach' and ?::boolean
          union all
          select ga.user_id, 3, 'group-admin', min(lg.depth) from group_admins ga join learner_groups lg on lg.id = ga.group_id group by ga.user_id
          union all
          select p.user_id, 4, 'platform-admin', 0 from permitted p where p.sees_all
        ),
        eligible as (
          select c.user_id, c.tier_rank, c.tier, c.sub_rank,
                 row_number() over (partition by c.user_id order by c.tier_rank, c.sub_rank) as nth
            from candidates c
            join users u on u.id = c.user_id and u.status = 'active'
            join permitted p on p.user_id = c.user_id
           where c.user_id <> ? and (p.manages or (c.tier = 'platform-admin' and p.sees_all))
        )
        select user_id, tier from eligible where nth = 1 order by tier_rank, sub_rank, user_id`,
      [
        learnerId,
        Permissions.ExternalCertificatesManage,
        Permissions.ScopeAll,
        learnerId,
        reviewerType === 'managers',
        learnerId,
        reviewerType === 'managers',
        learnerId,
      ],
    );
    return rows.map((row) => ({ userId: row.user_id, tier: row.tier }));
  }
}
