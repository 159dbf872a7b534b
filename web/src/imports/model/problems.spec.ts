import { describe, expect, it } from 'vitest';
import { placeProblem, toProblem, unacknowledgedCodes } from './problems';

describe('problems of the imports API', () => {
  it('reads a problem document, or makes one from the status', () => {
    expect(toProblem(403, { code: 'USERS.IMPORT_GROUP_NOT_ALLOWED', detail: 'Not your group', params: { groupId: 'g1' } }, 'x')).toEqual({
      status: 403,
      code: 'USERS.IMPORT_GROUP_NOT_ALLOWED',
      message: 'Not your group',
      params: { groupId: 'g1' },
      errors: undefined,
    });
    expect(toProblem(502, '<html>', 'Something went wrong')).toEqual({ status: 502, code: 'HTTP_502', message: 'Something went wrong' });
  });

  it('places field errors next to headers and options', () => {
    const placed = placeProblem(
      {
        status: 400,
        code: 'COMMON.VALIDATION_FAILED',
        message: '2 problems',
        errors: [
          { field: 'mapping.Voornaam', code: 'IMPORTS.DUPLICATE_COLUMN', message: 'twice' },
          { field: 'options.welcomeMail', code: 'COMMON.INVALID_FIELD', message: 'bad mail' },
          { field: 'mapping', code: 'IMPORTS.MISSING_COLUMNS', message: 'missing' },
        ],
      },
      ['welcomeMail', 'groupIds'],
      ['Voornaam'],
    );
    expect(placed).toEqual({ headers: { Voornaam: ['twice'] }, options: { welcomeMail: ['bad mail'] }, general: ['missing'] });
  });

  it('places a scope refusal without a field by its parameters or code', () => {
    const keys = ['groupIds', 'role', 'language', 'fillTerms', 'welcomeMail'];
    expect(placeProblem({ status: 403, code: 'USERS.IMPORT_GROUP_NOT_ALLOWED', message: 'm', params: { groupId: 'x' } }, keys, []).options).toEqual({ groupIds: ['m'] });
    expect(placeProblem({ status: 400, code: 'USERS.IMPORT_ROLE_UNKNOWN', message: 'r', params: { role: 'boss' } }, keys, []).options).toEqual({ role: ['r'] });
    expect(placeProblem({ status: 403, code: 'USERS.IMPORT_FILL_TERMS_NOT_ALLOWED', message: 'f', params: { permission: 'p' } }, keys, []).options).toEqual({ fillTerms: ['f'] });
    expect(placeProblem({ status: 403, code: 'USERS.GRANT_BEYOND_OWN_PERMISSIONS', message: 'g' }, keys, []).options).toEqual({ role: ['g'] });
    expect(placeProblem({ status: 403, code: 'COMMON.FORBIDDEN', message: 'no', params: { permission: 'users.manage' } }, keys, []).general).toEqual(['no']);
  });

  it('names the codes a refused confirmation did not acknowledge', () => {
    expect(unacknowledgedCodes({ status: 409, code: 'IMPORTS.WARNINGS_NOT_ACKNOWLEDGED', message: '', params: { codes: 'A.B, C.D' } })).toEqual(['A.B', 'C.D']);
    expect(unacknowledgedCodes({ status: 409, code: 'IMPORTS.CHECK_BEFORE_RUN_FAILED', message: '' })).toEqual([]);
  });
});
