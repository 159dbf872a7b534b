import { describe, expect, it } from 'vitest';
import { throttleAddressGroup, throttleWideAddressGroup } from './client-address.js';

describe('throttleAddressGroup', () => {
  it('keeps IPv4 addresses as they are', () => {
    expect(throttleAddressGroup('203.0.113.10')).toBe('203.0.113.10');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(throttleAddressGroup('::ffff:203.0.113.10')).toBe('203.0.113.10');
  });

  it('groups IPv6 addresses by /64, however they are written', () => {
    const group = throttleAddressGroup('2001:db8:1:2::1');
    expect(group).toBe('2001:db8:1:2::/64');
    expect(throttleAddressGroup('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe(group);
    expect(throttleAddressGroup('2001:db8:1:2:abcd::')).toBe(group);
    expect(throttleAddressGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleAddressGroup('::1')).toBe('0:0:0:0::/64');
    expect(throttleAddressGroup('2001:db8:1:3::1')).not.toBe(group);
  });

  it('keeps anything unparsable as given', () => {
    expect(throttleAddressGroup('unknown')).toBe('unknown');
  });
});

describe('throttleWideAddressGroup', () => {
  it('puts every /64 of one IPv6 /48 in the same wider group', () => {
    expect(throttleWideAddressGroup('2001:db8:1:2::1')).toBe('2001:db8:1::/48');
    expect(throttleWideAddressGroup('2001:0db8:0001:ffff:1::9')).toBe('2001:db8:1::/48');
    expect(throttleWideAddressGroup('2001:db8:2:2::1')).toBe('2001:db8:2::/48');
  });

  it('has none for IPv4 (also mapped) and unparsable addresses', () => {
    expect(throttleWideAddressGroup('203.0.113.10')).toBeUndefined();
    expect(throttleWideAddressGroup('::ffff:203.0.113.10')).toBeUndefined();
    expect(throttleWideAddressGroup('unknown')).toBeUndefined();
  });
});
