import { EntityManager } from '@mikro-orm/postgresql';
import { QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { GetUsersInScopeQuery } from '#libs/contracts/users/index.js';
import { GetUserCreditsQuery, type UserCredits } from '#libs/contracts/validation/index.js';

/**
 * A user's credits from external certificates: those validated by a reviewer, and those recorded while
 * no validation was required (they count as uploaded). Pending and rejected ones never count.
 * Undefined when the user is outside the caller's scope (or unknown).
 */
@QueryHandler(GetUserCreditsQuery)
export class GetUserCreditsHandler implements IQueryHandler<GetUserCreditsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, userId }: GetUserCreditsQuery): Promise<UserCredits | undefined> {
    if (userId !== principal.userId) {
      const [user] = await this.queries.execute(new GetUsersInScopeQuery(principal, [userId]));
      if (!user) return undefined;
    }
    const rows = await this.em.execute<{ id: string; name: string; credits: string; validated_at: Date }[]>(
      `select id, name, credits::text as credits, coalesce(decided_at, submitted_at) as validated_at
         from external_certificates
        where user_id = ? and state in ('validated', 'recorded') and credits is not null
        order by coalesce(decided_at, submitted_at), id`,
      [userId],
    );
    const certificates = rows.map((row) => ({
      externalCertificateId: row.id,
      name: row.name,
      credits: Number(row.credits),
      validatedAt: new Date(row.validated_at).toISOString(),
    }));
    // Summed in hundredths: 0.1 + 0.2 is 0.3 here.
    const total = certificates.reduce((sum, certificate) => sum + Math.round(certificate.credits * 100), 0) / 100;
    return { userId, total, certificates };
  }
}
