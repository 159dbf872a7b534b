import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import type { Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { likeContains } from '#libs/database/sql.js';
import type { CredentialStatus } from '../domain/credential.js';
import type { AttributeDefinition } from '../domain/credential-group.js';
import { todayUtc } from '../domain/local-date.js';
import { CREDENTIAL_COLUMNS, parseTextArray, sql, toCredential, toGroup } from '../infrastructure/credential-store.js';
import { CredentialScope, isUuid, NIL } from './credential-scope.js';
import { assertOwnEmailVerified } from './own-email.js';

export interface DesignView {
  id: string;
  name: string;
  placeholders: string[];
  /** Credential groups using it (all of them, in scope or not). */
  groupCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface GroupView {
  id: string;
  name: string;
  course: string | null;
  description: string | null;
  design: { id: string; name: string; placeholders: string[] };
  ownerGroupId: string | null;
  customAttributes: AttributeDefinition[];
  credentialCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface CredentialView {
  id: string;
  groupId: string;
  groupName: string;
  /** The group's design, read through the group (never copied onto the credential). */
  design: { id: string; name: string };
  recipientName: string;
  recipientEmail: string;
  recipientId: string | null;
  issuedOn: string;
  expiresOn: string | null;
  grade: string | null;
  attributes: Record<string, string | number>;
  status: CredentialStatus;
  correctedFields: string[];
  revokedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface CredentialListFilter {
  groupId?: string;
  status?: CredentialStatus;
  email?: string;
  recipientId?: string;
  /** YYYY-MM-DD: credentials with an expiry before this date. */
  expiringBefore?: string;
  search?: string;
}

const GROUP_SELECT = `select g.*, d.name as design_name, d.placeholders as design_placeholders,
  (select count(*) from credentials c where c.group_id = g.id) as credential_count
  from credential_groups g join credential_designs d on d.id = g.design_id`;

const CREDENTIAL_SELECT = `select ${CREDENTIAL_COLUMNS}, g.name as group_name, d.id as design_id, d.name as design_name
  from credentials c join credential_groups g on g.id = c.group_id join credential_designs d on d.id = g.design_id`;

type Row = Record<string, unknown>;

/** Read side of the module: what the REST endpoints answer, scoped to the caller. */
@Injectable()
export class CredentialViews {
  constructor(private readonly scope: CredentialScope) {}

  async designs(em: EntityManager): Promise<DesignView[]> {
    const rows = await sql<Row>(em, `select d.*, (select count(*) from credential_groups g where g.design_id = d.id) as group_count from credential_designs d order by lower(d.name), d.id`);
    return rows.map(toDesignView);
  }

  async design(em: EntityManager, id: string): Promise<DesignView> {
    const [row] = await sql<Row>(em, `select d.*, (select count(*) from credential_groups g where g.design_id = d.id) as group_count from credential_designs d where d.id = ?`, [isUuid(id) ? id : NIL]);
    if (!row) throw notFound('CREDENTIALS.DESIGN_NOT_FOUND');
    return toDesignView(row);
  }

  async groups(em: EntityManager, principal: Principal, filter: { search?: string; designId?: string }): Promise<GroupView[]> {
    const scope = await this.scope.condition(principal, 'g.owner_group_id');
    const where = [scope.sql];
    const params = [...scope.params];
    if (filter.search) {
      where.push(`(g.name ilike ? or g.course ilike ?)`);
      params.push(likeContains(filter.search), likeContains(filter.search));
    }
    if (filter.designId) {
      where.push('g.design_id = ?');
      params.push(isUuid(filter.designId) ? filter.designId : NIL);
    }
    const rows = await sql<Row>(em, `${GROUP_SELECT} where ${where.join(' and ')} order by lower(g.name), g.id`, params);
    return rows.map(toGroupView);
  }

  async group(em: EntityManager, principal: Principal, id: string): Promise<GroupView> {
    const scope = await this.scope.condition(principal, 'g.owner_group_id');
    const [row] = await sql<Row>(em, `${GROUP_SELECT} where g.id = ? and ${scope.sql}`, [isUuid(id) ? id : NIL, ...scope.params]);
    if (!row) throw notFound('CREDENTIALS.GROUP_NOT_FOUND');
    return toGroupView(row);
  }

  async credentials(em: EntityManager, principal: Principal, filter: CredentialListFilter, page: { page: number; pageSize: number }): Promise<{ items: CredentialView[]; total: number }> {
    const scope = await this.scope.condition(principal, 'g.owner_group_id');
    const today = todayUtc();
    const where = [scope.sql];
    const params: unknown[] = [...scope.params];
    if (filter.groupId) {
      where.push('c.group_id = ?');
      params.push(isUuid(filter.groupId) ? filter.groupId : NIL);
    }
    if (filter.status === 'revoked') where.push('c.revoked_at is not null');
    if (filter.status === 'expired') {
      where.push('c.revoked_at is null and c.expires_on < ?::date');
      params.push(today);
    }
    if (filter.status === 'active') {
      where.push('c.revoked_at is null and (c.expires_on is null or c.expires_on >= ?::date)');
      params.push(today);
    }
    if (filter.email) {
      where.push('lower(c.recipient_email) = lower(?)');
      params.push(filter.email.trim());
    }
    if (filter.recipientId) {
      where.push('c.recipient_id = ?');
      params.push(filter.recipientId.trim());
    }
    if (filter.expiringBefore) {
      where.push('c.expires_on < ?::date');
      params.push(filter.expiringBefore);
    }
    if (filter.search) {
      where.push('(c.recipient_name ilike ? or c.recipient_email ilike ?)');
      params.push(likeContains(filter.search), likeContains(filter.search));
    }
    const condition = where.join(' and ');
    const [count] = await sql<{ total: string }>(em, `select count(*) as total from credentials c join credential_groups g on g.id = c.group_id where ${condition}`, params);
    const rows = await sql<Row>(em, `${CREDENTIAL_SELECT} where ${condition} order by c.created_at desc, c.id desc limit ? offset ?`, [
      ...params,
      page.pageSize,
      (page.page - 1) * page.pageSize,
    ]);
    return { items: rows.map((row) => toCredentialView(row, today)), total: Number(count.total) };
  }

  /** One credential in the caller's scope; outside it, 404 as for an unknown one. */
  async credential(em: EntityManager, principal: Principal, id: string): Promise<CredentialView> {
    const scope = await this.scope.condition(principal, 'g.owner_group_id');
    const [row] = await sql<Row>(em, `${CREDENTIAL_SELECT} where c.id = ? and ${scope.sql}`, [isUuid(id) ? id : NIL, ...scope.params]);
    if (!row) throw notFound('CREDENTIALS.CREDENTIAL_NOT_FOUND');
    return toCredentialView(row, todayUtc());
  }

  /** The credentials issued to the caller's own email address (the recipient's view). */
  async own(em: EntityManager, principal: Principal): Promise<CredentialView[]> {
    assertOwnEmailVerified(principal);
    const rows = await sql<Row>(em, `${CREDENTIAL_SELECT} where lower(c.recipient_email) = lower(?) order by c.issued_on desc, c.id`, [principal.email]);
    const today = todayUtc();
    return rows.map((row) => toCredentialView(row, today));
  }
}

function toDesignView(row: Row): DesignView {
  return {
    id: row.id as string,
    name: row.name as string,
    placeholders: parseTextArray(row.placeholders),
    groupCount: Number(row.group_count),
    createdAt: new Date(row.created_at as string).toISOString(),
    updatedAt: new Date(row.updated_at as string).toISOString(),
  };
}

function toGroupView(row: Row): GroupView {
  const group = toGroup(row as unknown as Parameters<typeof toGroup>[0]);
  return {
    id: group.id,
    name: group.name,
    course: group.course,
    description: group.description,
    design: { id: group.designId, name: row.design_name as string, placeholders: parseTextArray(row.design_placeholders) },
    ownerGroupId: group.ownerGroupId,
    customAttributes: group.customAttributes,
    credentialCount: Number(row.credential_count),
    createdAt: group.createdAt,
    updatedAt: group.updatedAt,
  };
}

export function toCredentialView(row: Row, today: string): CredentialView {
  const { credential, createdAt, updatedAt } = toCredential(row as unknown as Parameters<typeof toCredential>[0]);
  const s = credential.snapshot;
  return {
    id: s.id,
    groupId: s.groupId,
    groupName: row.group_name as string,
    design: { id: row.design_id as string, name: row.design_name as string },
    recipientName: s.recipientName,
    recipientEmail: s.recipientEmail,
    recipientId: s.recipientId,
    issuedOn: s.issuedOn,
    expiresOn: s.expiresOn,
    grade: s.grade,
    attributes: s.attributes,
    status: credential.status(today),
    correctedFields: s.correctedFields,
    revokedAt: s.revokedAt,
    version: s.version,
    createdAt,
    updatedAt,
  };
}
