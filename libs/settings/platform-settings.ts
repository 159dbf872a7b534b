import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { invalid, notFound } from '#libs/errors/domain-error.js';
import { registerMessages } from '#libs/i18n/i18n.js';

/**
 * A switch or value that platform admins set for the whole installation (the users import for group
 * admins, external certificate validation, ...). Modules declare theirs with definePlatformSetting at load
 * time; the value lives in platform_settings, and every change is kept in platform_setting_changes.
 */
export interface PlatformSettingDefinition<T = unknown> {
  key: string;
  description: string;
  defaultValue: T;
  /** The value as stored, or a DomainError (validation) saying what is expected. */
  parse(value: unknown): T;
}

const definitions = new Map<string, PlatformSettingDefinition>();

export function definePlatformSetting<T>(definition: PlatformSettingDefinition<T>): PlatformSettingDefinition<T> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(definition.key)) throw new Error(`Invalid platform setting key "${definition.key}"`);
  if (definitions.has(definition.key)) throw new Error(`The platform setting "${definition.key}" is defined twice`);
  definitions.set(definition.key, definition as PlatformSettingDefinition);
  return definition;
}

export function booleanSetting(key: string, description: string, defaultValue = false): PlatformSettingDefinition<boolean> {
  return definePlatformSetting({
    key,
    description,
    defaultValue,
    parse(value) {
      if (typeof value !== 'boolean') throw invalid('SETTINGS.VALUE_INVALID', { key, expected: 'true or false' });
      return value;
    },
  });
}

export function choiceSetting<T extends string>(key: string, description: string, choices: readonly T[], defaultValue: T): PlatformSettingDefinition<T> {
  return definePlatformSetting({
    key,
    description,
    defaultValue,
    parse(value) {
      if (typeof value !== 'string' || !choices.includes(value as T)) throw invalid('SETTINGS.VALUE_INVALID', { key, expected: `one of ${choices.join(', ')}` });
      return value as T;
    },
  });
}

export function integerSetting(key: string, description: string, range: { min: number; max: number }, defaultValue: number): PlatformSettingDefinition<number> {
  return definePlatformSetting({
    key,
    description,
    defaultValue,
    parse(value) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
        throw invalid('SETTINGS.VALUE_INVALID', { key, expected: `a whole number from ${range.min} to ${range.max}` });
      }
      return value;
    },
  });
}

export function platformSettingDefinitions(): PlatformSettingDefinition[] {
  return [...definitions.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export interface PlatformSettingView {
  key: string;
  description: string;
  value: unknown;
  defaultValue: unknown;
  /** null while the default applies. */
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface PlatformSettingChangeView {
  key: string;
  oldValue: unknown;
  newValue: unknown;
  changedBy: string;
  changedAt: string;
}

@Injectable()
export class PlatformSettings {
  constructor(private readonly orm: MikroORM) {}

  /** The current value, or the default when nobody set it (or what is stored no longer parses). */
  async get<T>(definition: PlatformSettingDefinition<T>, em?: EntityManager): Promise<T> {
    const [row] = await (em ?? this.orm.em.fork()).execute<{ value: unknown }[]>(`select value from platform_settings where key = ?`, [definition.key]);
    if (!row) return definition.defaultValue;
    try {
      return definition.parse(row.value);
    } catch {
      return definition.defaultValue;
    }
  }

  async list(): Promise<PlatformSettingView[]> {
    const rows = await this.orm.em
      .fork()
      .execute<{ key: string; value: unknown; updated_by: string | null; updated_at: Date | null }[]>(`select key, value, updated_by, updated_at from platform_settings`);
    const stored = new Map(rows.map((row) => [row.key, row] as const));
    return platformSettingDefinitions().map((definition) => {
      const row = stored.get(definition.key);
      return {
        key: definition.key,
        description: definition.description,
        value: row ? row.value : definition.defaultValue,
        defaultValue: definition.defaultValue,
        updatedBy: row?.updated_by ?? null,
        updatedAt: row?.updated_at ? new Date(row.updated_at).toISOString() : null,
      };
    });
  }

  /** Sets a value and records who changed it from what, in one transaction. */
  async set(key: string, value: unknown, changedBy: string): Promise<PlatformSettingView> {
    const definition = definitions.get(key);
    if (!definition) throw notFound('SETTINGS.UNKNOWN_SETTING', { key });
    const parsed = definition.parse(value);
    await this.orm.em.fork().transactional(async (em) => {
      // One change of a setting at a time, even of one never set (no row to lock yet): the audit's old value is exact.
      await em.execute(`select pg_advisory_xact_lock(hashtext('platform-settings'), hashtext(?))`, [key]);
      const [before] = await em.execute<{ value: unknown }[]>(`select value from platform_settings where key = ?`, [key]);
      await em.execute(
        `insert into platform_settings (key, value, updated_by, updated_at) values (?, ?::jsonb, ?, clock_timestamp())
         on conflict (key) do update set value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
        [key, JSON.stringify(parsed), changedBy],
      );
      // The time after the lock, not the transaction's start (now()): a change that waited for another one's
      // lock started earlier but happened later, and the history is ordered by this time.
      await em.execute(`insert into platform_setting_changes (key, old_value, new_value, changed_by, changed_at) values (?, ?::jsonb, ?::jsonb, ?, clock_timestamp())`, [
        key,
        before ? JSON.stringify(before.value) : null,
        JSON.stringify(parsed),
        changedBy,
      ]);
    });
    return (await this.list()).find((view) => view.key === key)!;
  }

  /** Changes, newest first: of one setting, or of all. */
  async history(key?: string, limit = 200): Promise<PlatformSettingChangeView[]> {
    const rows = await this.orm.em.fork().execute<{ key: string; old_value: unknown; new_value: unknown; changed_by: string; changed_at: Date }[]>(
      `select key, old_value, new_value, changed_by, changed_at from platform_setting_changes
        ${key ? 'where key = ?' : ''} order by changed_at desc, id desc limit ${Math.min(Math.max(1, Math.floor(limit)), 1000)}`,
      key ? [key] : [],
    );
    return rows.map((row) => ({
      key: row.key,
      oldValue: row.old_value,
      newValue: row.new_value,
      changedBy: row.changed_by,
      changedAt: new Date(row.changed_at).toISOString(),
    }));
  }
}

registerMessages({
  en: {
    'SETTINGS.VALUE_INVALID': 'The value of {key} must be {expected}.',
    'SETTINGS.UNKNOWN_SETTING': 'There is no platform setting {key}.',
  },
  nl: {
    'SETTINGS.VALUE_INVALID': 'De waarde van {key} moet {expected} zijn.',
    'SETTINGS.UNKNOWN_SETTING': 'Er bestaat geen platforminstelling {key}.',
  },
});
