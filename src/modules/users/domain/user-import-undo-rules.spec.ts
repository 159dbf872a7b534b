import { describe, expect, it } from 'vitest';
import type { RowChange } from '#libs/contracts/imports/index.js';
import { decideUserUndo, type UserNow } from './user-import-undo-rules.js';

const created: RowChange = {
  entity: 'user',
  id: 'u-1',
  before: null,
  after: { email: 'nina@example.com', firstName: 'Nina', lastName: 'Nieuw', userCode: null, language: 'nl', 'profile.hours': 32, groupsAdded: ['g-1'], roleKey: 'learner' },
};
const updated: RowChange = {
  entity: 'user',
  id: 'u-2',
  before: { language: 'nl', 'profile.hours': null, 'profile.contract_type': 'permanent' },
  after: { language: 'en', 'profile.hours': 36, 'profile.contract_type': 'temporary', groupsAdded: ['g-2'] },
};
const nina = (more: Partial<UserNow> = {}): UserNow => ({
  email: 'nina@example.com',
  fields: { email: 'nina@example.com', firstName: 'Nina', lastName: 'Nieuw', userCode: null, language: 'nl' },
  profile: { hours: 32 },
  deleted: false,
  hasPassword: false,
  related: false,
  groupIds: ['g-1'],
  roleKeys: ['learner'],
  manageable: true,
  ...more,
});
const lena = (more: Partial<UserNow> = {}): UserNow => ({
  ...nina(),
  email: 'lena@example.com',
  fields: { email: 'lena@example.com', firstName: 'Lena', lastName: 'de Vries', userCode: 'L-1', language: 'en' },
  profile: { hours: 36, contract_type: 'temporary' },
  groupIds: ['g-0', 'g-2'],
  roleKeys: ['learner', 'manager'],
  ...more,
});

describe('users import undo rules', () => {
  it('deletes a created user who is untouched and holds only what the import gave', () => {
    expect(decideUserUndo(created, nina())).toEqual({ kind: 'delete', groupsAdded: ['g-1'] });
  });

  it('keeps a created user who signed in, was related or given more since', () => {
    for (const since of [{ hasPassword: true }, { related: true }, { groupIds: ['g-1', 'g-9'] }, { roleKeys: ['learner', 'manager'] }]) {
      expect(decideUserUndo(created, nina(since))).toEqual({ kind: 'skip', code: 'USERS.IMPORT_UNDO_USER_IN_USE', params: { email: 'nina@example.com' } });
    }
  });

  it('reverts an updated user to the recorded values, removing profile values that were unset', () => {
    expect(decideUserUndo(updated, lena())).toEqual({
      kind: 'revert',
      groupsAdded: ['g-2'],
      fields: { language: 'nl' },
      profileSet: { contract_type: 'permanent' },
      profileRemove: ['hours'],
    });
  });

  it('skips a user changed since the import, whichever recorded value changed', () => {
    expect(decideUserUndo(updated, lena({ fields: { ...lena().fields, language: 'nl' } }))).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' });
    expect(decideUserUndo(updated, lena({ profile: { hours: 36 } }))).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' });
    expect(decideUserUndo(created, nina({ fields: { ...nina().fields, lastName: 'Getrouwd' } }))).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_CHANGED_SINCE' });
  });

  it('says what is gone, what the admin may no longer change, and what it does not understand', () => {
    expect(decideUserUndo(created, undefined)).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' });
    expect(decideUserUndo(created, nina({ deleted: true }))).toEqual({ kind: 'skip', code: 'IMPORTS.UNDO_ALREADY_GONE' });
    expect(decideUserUndo(updated, lena({ manageable: false }))).toEqual({ kind: 'fail', code: 'USERS.IMPORT_UNDO_NOT_MANAGEABLE' });
    expect(decideUserUndo({ ...created, entity: 'obtained-certificate' }, nina())).toMatchObject({ kind: 'fail', code: 'IMPORTS.UNDO_NOT_SUPPORTED' });
  });
});
