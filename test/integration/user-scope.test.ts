import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FindUsersByCodesQuery,
  GetPrincipalQuery,
  GetUsersInScopeQuery,
  ResolveUserScopeQuery,
  type Principal,
} from '#libs/contracts/users/index.js';
import { AuthenticationService } from '../../src/modules/users/application/authentication.service.js';
import { IssueApiTokenCommand } from '../../src/modules/users/application/commands/issue-api-token/issue-api-token.handler.js';
import { UpdateGroupCommand } from '../../src/modules/users/application/commands/update-group/update-group.handler.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The Users module's queries and commands on the buses, against a real PostgreSQL database. */
describe('user scope queries', () => {
  let app: TestApp;
  let queries: QueryBus;
  let commands: CommandBus;
  let orm: MikroORM;
  const ids = new Map<string, string>();

  const inContext = <T>(fn: () => Promise<T>) => RequestContext.create(orm.em, fn);
  const principalOf = async (email: string): Promise<Principal> => {
    const [row] = await app.sql<{ id: string }>('select id from users where email = $1', [email]);
    return (await inContext(() => app.running.app.get(AuthenticationService).loadPrincipal(row.id, 'access-token')))!;
  };
  const codesIn = (userIds: string[]) => [...ids.entries()].filter(([, id]) => userIds.includes(id)).map(([code]) => code).sort();

  beforeAll(async () => {
    app = await startTestApp();
    queries = app.running.app.get(QueryBus);
    commands = app.running.app.get(CommandBus);
    orm = app.running.app.get(MikroORM);
    for (const row of await app.sql<{ id: string; user_code: string }>('select id, user_code from users')) ids.set(row.user_code, row.id);
  });
  afterAll(() => app?.close());

  it('GetPrincipalQuery without a credential to check gives a principal without one, which opens nothing', async () => {
    const [row] = await app.sql<{ id: string; token_version: number }>('select id, token_version from users where email = $1', ['admin@example.com']);
    // Background work (an import run's chunks): no credential, per the Principal contract.
    const background = (await inContext(() => queries.execute(new GetPrincipalQuery(row.id))))!;
    expect(background.permissions.length).toBeGreaterThan(0);
    expect(background.credential).toBeUndefined();
    // Such a principal cannot mint a credential of its own (an API token) ...
    await expect(inContext(() => commands.execute(new IssueApiTokenCommand(background, 'from a job', 7)))).rejects.toMatchObject({ code: 'USERS.TOKEN_INVALID' });
    expect(await app.sql('select 1 from api_tokens where name = $1', ['from a job'])).toHaveLength(0);
    // ... while a check of a credential answers with that credential, and only while it holds.
    const checked = await inContext(() => queries.execute(new GetPrincipalQuery(row.id, { tokenVersion: row.token_version })));
    expect(checked?.credential).toEqual({ tokenVersion: row.token_version });
    expect(await inContext(() => queries.execute(new GetPrincipalQuery(row.id, { tokenVersion: row.token_version + 1 })))).toBeUndefined();
  });

  it('a platform admin sees everyone', async () => {
    const scope = await inContext(async () => queries.execute(new ResolveUserScopeQuery(await principalOf('admin@example.com'))));
    expect(scope).toEqual({ kind: 'all' });
  });

  it('a group admin sees themself and the members of their groups and subgroups', async () => {
    const scope = await inContext(async () => queries.execute(new ResolveUserScopeQuery(await principalOf('groupadmin@example.com'))));
    expect(scope.kind).toBe('limited');
    expect(codesIn(scope.kind === 'limited' ? scope.userIds : [])).toEqual(['GA-0001', 'L-1001', 'L-1002', 'L-1003']);
  });

  it('a manager sees themself and their managees', async () => {
    const scope = await inContext(async () => queries.execute(new ResolveUserScopeQuery(await principalOf('manager@example.com'))));
    expect(codesIn(scope.kind === 'limited' ? scope.userIds : [])).toEqual(['L-1004', 'L-1006', 'MGR-0001']);
  });

  it('finds users by code within scope only, in one query for many codes', async () => {
    const groupAdmin = await principalOf('groupadmin@example.com');
    const found = await inContext(() => queries.execute(new FindUsersByCodesQuery(groupAdmin, ['L-1001', 'L-1004', 'NOPE', 'L-1003'])));
    expect(found.map((u) => u.userCode).sort()).toEqual(['L-1001', 'L-1003']);
    const byId = await inContext(() => queries.execute(new GetUsersInScopeQuery(groupAdmin, [ids.get('L-1005')!, ids.get('L-1002')!])));
    expect(byId.map((u) => u.userCode)).toEqual(['L-1002']);
  });

  it('follows the group tree when a subgroup moves', async () => {
    const admin = await principalOf('admin@example.com');
    const [warehouse] = await app.sql<{ id: string }>(`select id from groups where name = 'Warehouse'`);
    const [sales] = await app.sql<{ id: string }>(`select id from groups where name = 'Sales'`);
    await inContext(() => commands.execute(new UpdateGroupCommand(admin, warehouse.id, { parentId: sales.id })));
    const scope = await inContext(async () => queries.execute(new ResolveUserScopeQuery(await principalOf('groupadmin@example.com'))));
    expect(codesIn(scope.kind === 'limited' ? scope.userIds : [])).toEqual(['GA-0001', 'L-1001', 'L-1002']);
  });
});
