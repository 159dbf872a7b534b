import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IMPORT_TYPE, type ImportTypeDefinition } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { DomainError, notFound } from '#libs/errors/domain-error.js';

/** The import types other modules declared (providers marked @ImportTypeProvider()). */
@Injectable()
export class ImportTypeRegistry implements OnModuleInit {
  private readonly types = new Map<string, ImportTypeDefinition>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit() {
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.metatype || !wrapper.instance || !Reflect.getMetadata(IMPORT_TYPE, wrapper.metatype)) continue;
      const type = wrapper.instance as ImportTypeDefinition;
      if (this.types.has(type.key)) throw new Error(`Import type "${type.key}" is declared twice`);
      this.types.set(type.key, type);
    }
  }

  all(): ImportTypeDefinition[] {
    return [...this.types.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  get(key: string): ImportTypeDefinition {
    const type = this.types.get(key);
    if (!type) throw notFound('IMPORTS.TYPE_NOT_FOUND', { type: key, available: [...this.types.keys()].join(', ') });
    return type;
  }

  /** The type, if the principal holds its permission; 403 naming the permission otherwise. */
  forPrincipal(key: string, principal: Principal): ImportTypeDefinition {
    const type = this.get(key);
    if (!principal.permissions.includes(type.permission)) {
      throw new DomainError('COMMON.FORBIDDEN', 'forbidden', { permission: type.permission });
    }
    return type;
  }

  /** Whether the type is switched on for this principal now (its availableTo; available without one). */
  async isAvailable(type: ImportTypeDefinition, principal: Principal): Promise<boolean> {
    return type.availableTo ? type.availableTo(principal) : true;
  }

  /**
   * The type, to start or move on an import of it: the principal holds its permission (403 naming it)
   * and the type is switched on for them (403 IMPORTS.TYPE_SWITCHED_OFF). Reading imports already made
   * needs only the permission.
   */
  async usableBy(key: string, principal: Principal): Promise<ImportTypeDefinition> {
    const type = this.forPrincipal(key, principal);
    if (!(await this.isAvailable(type, principal))) throw switchedOff(type);
    return type;
  }
}

export function switchedOff(type: ImportTypeDefinition): DomainError {
  return new DomainError('IMPORTS.TYPE_SWITCHED_OFF', 'forbidden', { type: type.title });
}
