import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { ImportColumn, ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';

/** Options the engine reads itself; everything else belongs to the type and its options schema. */
const ENGINE_OPTIONS = ['columnMapping'];
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The columns a principal may map and the options a type accepts, checked the same way wherever they are set. */
@Injectable()
export class ImportColumns {
  async for(type: ImportTypeDefinition, principal: Principal, options: Record<string, unknown>): Promise<ImportColumn[]> {
    return type.columnsFor ? type.columnsFor(principal, options) : type.columns;
  }

  /**
   * Checks options against the type's schema (class-validator, unknown properties refused; a type without
   * one accepts none), then the type's permission and scope checks. 400/403 before any work is queued.
   * `requiredNow: false` (an upload that waits for its mapping): required options may still be missing.
   */
  async checkOptions(type: ImportTypeDefinition, principal: Principal, options: Record<string, unknown>, when: { requiredNow: boolean } = { requiredNow: true }): Promise<Record<string, unknown>> {
    // class-transformer skips these keys, so the schema would never see them: refused outright.
    const poisoned = Object.keys(options).filter((key) => PROTOTYPE_KEYS.has(key));
    if (poisoned.length > 0) throw new DomainError('IMPORTS.OPTIONS_NOT_ACCEPTED', 'validation', { type: type.key, options: poisoned.join(', ') });
    const own = Object.fromEntries(Object.entries(options).filter(([key]) => !ENGINE_OPTIONS.includes(key)));
    if (!type.optionsClass) {
      const unknown = Object.keys(own);
      if (unknown.length > 0) throw new DomainError('IMPORTS.OPTIONS_NOT_ACCEPTED', 'validation', { type: type.key, options: unknown.join(', ') });
    } else {
      const dto = plainToInstance(type.optionsClass, own);
      // An upload that waits for its mapping may leave required options out (they come with the mapping, checked
      // in full then); what it does send is checked now.
      const errors = await validate(dto as object, { whitelist: true, forbidNonWhitelisted: true, skipMissingProperties: !when.requiredNow });
      if (errors.length > 0) {
        const details = errors.flatMap((error) =>
          Object.values(error.constraints ?? { nested: 'invalid' }).map((constraint) => ({ field: `options.${error.property}`, code: 'COMMON.INVALID_FIELD', params: { constraint } })),
        );
        throw new DomainError('COMMON.VALIDATION_FAILED', 'validation', { count: details.length }, details);
      }
    }
    await type.checkOptions?.(principal, own);
    return own;
  }
}
