import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'cfg-'));

describe('review link and reminder settings', () => {
  it('default to a week for review links and a reminder pass every 5 minutes', () => {
    expect(loadConfig({}, cwd()).reviews).toEqual({ linkHours: 168, reminderIntervalMs: 300_000 });
  });

  it('are read from the environment (0 turns reminders off) and refused at boot when out of range', () => {
    expect(loadConfig({ REVIEW_LINK_HOURS: '24', REVIEW_REMINDER_INTERVAL_MS: '0' }, cwd()).reviews).toEqual({ linkHours: 24, reminderIntervalMs: 0 });
    let problems: string[] = [];
    try {
      loadConfig({ REVIEW_LINK_HOURS: '0', REVIEW_REMINDER_INTERVAL_MS: 'often' }, cwd());
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/REVIEW_LINK_HOURS must be a whole number between 1 and 2160/);
    expect(problems.join('\n')).toMatch(/REVIEW_REMINDER_INTERVAL_MS/);
  });
});
