import { describe, expect, it } from 'vitest';
import { issueLoginDevice, verifyLoginDevice } from './login-device.js';

describe('login device cookie', () => {
  const secret = 'test-secret-test-secret-test-secret';
  const day = 86_400;

  it('is valid for the account it was issued for, until it expires', () => {
    const now = Date.UTC(2026, 10, 30);
    const { deviceId, value } = issueLoginDevice(secret, 'Lena@Example.com ', now);
    expect(verifyLoginDevice(secret, 'lena@example.com', value, 180 * day, now + 179 * day * 1000)).toBe(deviceId);
    expect(verifyLoginDevice(secret, 'lena@example.com', value, 180 * day, now + 180 * day * 1000)).toBeUndefined();
  });

  it('does not work for another account, with another secret, tampered, or issued in the future', () => {
    const now = Date.now();
    const { deviceId, value } = issueLoginDevice(secret, 'lena@example.com', now);
    expect(verifyLoginDevice(secret, 'liam@example.com', value, day)).toBeUndefined();
    expect(verifyLoginDevice(`${secret}x`, 'lena@example.com', value, day)).toBeUndefined();
    const [, issued, signature] = value.split('.');
    const otherId = deviceId.startsWith('A') ? `B${deviceId.slice(1)}` : `A${deviceId.slice(1)}`;
    expect(verifyLoginDevice(secret, 'lena@example.com', `${otherId}.${issued}.${signature}`, day)).toBeUndefined();
    expect(verifyLoginDevice(secret, 'lena@example.com', `${deviceId}.${Number(issued) + 1}.${signature}`, day)).toBeUndefined();
    const future = issueLoginDevice(secret, 'lena@example.com', now + 3_600_000).value;
    expect(verifyLoginDevice(secret, 'lena@example.com', future, day, now)).toBeUndefined();
    expect(verifyLoginDevice(secret, 'lena@example.com', undefined, day)).toBeUndefined();
    expect(verifyLoginDevice(secret, 'lena@example.com', 'garbage', day)).toBeUndefined();
  });
});
