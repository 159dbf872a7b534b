import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ListManageableCredentialGroupsQuery } from '#libs/contracts/credentials/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { pgArray } from '#libs/database/sql.js';

export interface CredentialRenewalsRow {
  /** YYYY-MM */
  month: string;
  groupId: string;
  groupName: string;
  renewals: number;
  creditsUsed: number;
}

export interface CredentialRenewalsFilter {
  /** First month, YYYY-MM. */
  from?: string;
  /** Last month, YYYY-MM. */
  to?: string;
}

export class CredentialRenewalsQuery extends Query<CredentialRenewalsRow[]> {
  constructor(
    readonly principal: Principal,
    readonly filter: CredentialRenewalsFilter,
  ) {
    super();
  }
}

/**
 * Renewals and credits used per month and credential group, from the read model; only the credential
 * groups the caller may manage (asked of the Credentials module through its contract).
 */
@QueryHandler(CredentialRenewalsQuery)
export class CredentialRenewalsHandler implements IQueryHandler<CredentialRenewalsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
  ) {}

  async execute({ principal, filter }: CredentialRenewalsQuery): Promise<CredentialRenewalsRow[]> {
    const groups = await this.queries.execute(new ListManageableCredentialGroupsQuery(principal));
    if (groups.length === 0) return [];
    const names = new Map(groups.map((group) => [group.id, group.name]));
    const where = ['group_id = any(?::uuid[])', '(renewals <> 0 or credits_used <> 0)'];
    const params: unknown[] = [pgArray(groups.map((group) => group.id))];
    if (filter.from) {
      where.push(`month >= to_date(?, 'YYYY-MM')`);
      params.push(filter.from);
    }
    if (filter.to) {
      where.push(`month <= to_date(?, 'YYYY-MM')`);
      params.push(filter.to);
    }
    const rows = await this.em.execute<{ month: string; group_id: string; renewals: number; credits_used: number }[]>(
      `select to_char(month, 'YYYY-MM') as month, group_id, renewals, credits_used from reporting_credential_renewals
        where ${where.join(' and ')} order by month, group_id`,
      params,
    );
    return rows.map((row) => ({
      month: row.month,
      groupId: row.group_id,
      groupName: names.get(row.group_id) ?? '',
      renewals: Number(row.renewals),
      creditsUsed: Number(row.credits_used),
    }));
  }
}
