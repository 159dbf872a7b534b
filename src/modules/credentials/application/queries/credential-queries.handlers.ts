import { EntityManager } from '@mikro-orm/postgresql';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ListManageableCredentialGroupsQuery, type ManageableCredentialGroup } from '#libs/contracts/credentials/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { CredentialScope } from '../credential-scope.js';
import { CreditLedger, type CreditEntry, type CreditEntryKind } from '../credit-ledger.js';
import { CredentialViews, type CredentialListFilter, type CredentialView, type DesignView, type GroupView } from '../credential-views.js';

export class ListDesignsQuery extends Query<DesignView[]> {}

export class GetDesignQuery extends Query<DesignView> {
  constructor(readonly designId: string) {
    super();
  }
}

export class ListCredentialGroupsQuery extends Query<GroupView[]> {
  constructor(
    readonly principal: Principal,
    readonly filter: { search?: string; designId?: string },
  ) {
    super();
  }
}

export class GetCredentialGroupQuery extends Query<GroupView> {
  constructor(
    readonly principal: Principal,
    readonly groupId: string,
  ) {
    super();
  }
}

export class ListCredentialsQuery extends Query<{ items: CredentialView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: CredentialListFilter,
    readonly page: { page: number; pageSize: number },
  ) {
    super();
  }
}

export class GetCredentialQuery extends Query<CredentialView> {
  constructor(
    readonly principal: Principal,
    readonly credentialId: string,
  ) {
    super();
  }
}

export class ListOwnCredentialsQuery extends Query<CredentialView[]> {
  constructor(readonly principal: Principal) {
    super();
  }
}

export class GetCreditBalanceQuery extends Query<{ balance: number }> {}

export class ListCreditEntriesQuery extends Query<{ items: CreditEntry[]; total: number }> {
  constructor(
    readonly page: { page: number; pageSize: number; kind?: CreditEntryKind; importId?: string },
    readonly principal: Principal,
  ) {
    super();
  }
}

@QueryHandler(ListDesignsQuery)
export class ListDesignsHandler implements IQueryHandler<ListDesignsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute() {
    return this.views.designs(this.em);
  }
}

@QueryHandler(GetDesignQuery)
export class GetDesignHandler implements IQueryHandler<GetDesignQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute({ designId }: GetDesignQuery) {
    return this.views.design(this.em, designId);
  }
}

@QueryHandler(ListCredentialGroupsQuery)
export class ListCredentialGroupsHandler implements IQueryHandler<ListCredentialGroupsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute({ principal, filter }: ListCredentialGroupsQuery) {
    return this.views.groups(this.em, principal, filter);
  }
}

@QueryHandler(GetCredentialGroupQuery)
export class GetCredentialGroupHandler implements IQueryHandler<GetCredentialGroupQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute({ principal, groupId }: GetCredentialGroupQuery) {
    return this.views.group(this.em, principal, groupId);
  }
}

@QueryHandler(ListCredentialsQuery)
export class ListCredentialsHandler implements IQueryHandler<ListCredentialsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute({ principal, filter, page }: ListCredentialsQuery) {
    return this.views.credentials(this.em, principal, filter, page);
  }
}

@QueryHandler(GetCredentialQuery)
export class GetCredentialHandler implements IQueryHandler<GetCredentialQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute({ principal, credentialId }: GetCredentialQuery) {
    return this.views.credential(this.em, principal, credentialId);
  }
}

@QueryHandler(ListOwnCredentialsQuery)
export class ListOwnCredentialsHandler implements IQueryHandler<ListOwnCredentialsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly views: CredentialViews,
  ) {}
  execute({ principal }: ListOwnCredentialsQuery) {
    return this.views.own(this.em, principal);
  }
}

@QueryHandler(GetCreditBalanceQuery)
export class GetCreditBalanceHandler implements IQueryHandler<GetCreditBalanceQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly ledger: CreditLedger,
  ) {}
  async execute() {
    return { balance: await this.ledger.balance(this.em) };
  }
}

@QueryHandler(ListCreditEntriesQuery)
export class ListCreditEntriesHandler implements IQueryHandler<ListCreditEntriesQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly ledger: CreditLedger,
    private readonly scope: CredentialScope,
  ) {}
  /** Callers who do not manage every credential group see only the entries of groups they manage (no top-ups); the balance stays theirs to read. */
  async execute({ page, principal }: ListCreditEntriesQuery) {
    const manageable = await this.scope.manageableGroupIds(this.em, principal);
    const groupIds = manageable === 'all' ? undefined : manageable;
    return this.ledger.entries(this.em, { limit: page.pageSize, offset: (page.page - 1) * page.pageSize, kind: page.kind, importId: page.importId, groupIds });
  }
}

/** The contract query other modules (reporting) scope by. */
@QueryHandler(ListManageableCredentialGroupsQuery)
export class ListManageableCredentialGroupsHandler implements IQueryHandler<ListManageableCredentialGroupsQuery> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
  ) {}
  async execute({ principal }: ListManageableCredentialGroupsQuery): Promise<ManageableCredentialGroup[]> {
    const condition = await this.scope.condition(principal, 'owner_group_id');
    return this.em.execute<ManageableCredentialGroup[]>(`select id, name from credential_groups where ${condition.sql} order by lower(name), id`, condition.params);
  }
}
