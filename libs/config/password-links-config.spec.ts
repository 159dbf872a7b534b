import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'cfg-'));

describe('set-password link and password reset settings', () => {
  it('default to a week for welcome links, an hour for reset links, one reset mail per 5 minutes, 10 requests per address', () => {
    expect(loadConfig({}, cwd()).passwordLinks).toEqual({ welcomeHours: 168, resetMinutes: 60, resetMinIntervalMinutes: 5, resetMaxPerAddress: 10 });
  });

  it('are read from the environment and refused at boot when out of range', () => {
    const env = { PASSWORD_LINK_WELCOME_HOURS: '48', PASSWORD_LINK_RESET_MINUTES: '15', PASSWORD_RESET_MIN_INTERVAL_MINUTES: '0', PASSWORD_RESET_MAX_PER_ADDRESS: '3' };
    expect(loadConfig(env, cwd()).passwordLinks).toEqual({ welcomeHours: 48, resetMinutes: 15, resetMinIntervalMinutes: 0, resetMaxPerAddress: 3 });
    let problems: string[] = [];
    try {
      loadConfig({ PASSWORD_LINK_WELCOME_HOURS: '0', PASSWORD_LINK_RESET_MINUTES: '2', PASSWORD_RESET_MIN_INTERVAL_MINUTES: 'soon', PASSWORD_RESET_MAX_PER_ADDRESS: '0' }, cwd());
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PASSWORD_LINK_WELCOME_HOURS must be a whole number between 1 and 2160/);
    expect(problems.join('\n')).toMatch(/PASSWORD_LINK_RESET_MINUTES must be a whole number between 5 and 1440/);
    expect(problems.join('\n')).toMatch(/PASSWORD_RESET_MIN_INTERVAL_MINUTES/);
    expect(problems.join('\n')).toMatch(/PASSWORD_RESET_MAX_PER_ADDRESS/);
  });
});
