import { describe, expect, it } from 'vitest';
import { matchPath } from './router';

describe('matchPath', () => {
  it('matches static paths, with or without a trailing slash', () => {
    expect(matchPath('/admin', '/admin')).toEqual({ params: {} });
    expect(matchPath('/admin', '/admin/')).toEqual({ params: {} });
    expect(matchPath('/admin', '/admin/imports')).toBeUndefined();
  });

  it('takes one decoded segment per parameter', () => {
    expect(matchPath('/admin/imports/:id', '/admin/imports/42')).toEqual({ params: { id: '42' } });
    expect(matchPath('/admin/users/:id', '/admin/users/a%20b')).toEqual({ params: { id: 'a b' } });
    expect(matchPath('/admin/imports/:id', '/admin/imports/42/rows')).toBeUndefined();
    expect(matchPath('/admin/imports/:id', '/admin/imports/')).toBeUndefined();
  });

  it('treats the pattern literally apart from parameters', () => {
    expect(matchPath('/admin/a.b', '/admin/axb')).toBeUndefined();
  });
});
