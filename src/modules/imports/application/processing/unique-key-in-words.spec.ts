import { describe, expect, it } from 'vitest';
import { uniqueKeyInWords } from './chunk-processor.js';

describe('a unique key in words', () => {
  it('names the columns of <table>_<columns>_unique|key', () => {
    expect(uniqueKeyInWords('users_email_unique')).toBe('email');
    expect(uniqueKeyInWords('users_user_code_unique')).toBe('user code');
    expect(uniqueKeyInWords('groups_name_key')).toBe('name');
  });

  it('names nothing it cannot read', () => {
    expect(uniqueKeyInWords(undefined)).toBeUndefined();
    expect(uniqueKeyInWords('mail_deliveries_once')).toBeUndefined();
    expect(uniqueKeyInWords('users_pkey')).toBeUndefined();
  });
});
