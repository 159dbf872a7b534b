import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { conflict, invalid, notFound } from '#libs/errors/domain-error.js';
import { CertificateCategory } from '../domain/certificate-category.js';
import { CertificateDefinition } from '../domain/certificate-definition.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loading and uniqueness checks of the catalogue, shared by its command handlers. */
@Injectable()
export class Catalogue {
  constructor(private readonly em: EntityManager) {}

  async category(id: string): Promise<CertificateCategory> {
    const category = UUID.test(id) ? await this.em.findOne(CertificateCategory, { id }) : null;
    if (!category) throw notFound('CERTIFICATES.CATEGORY_NOT_FOUND');
    return category;
  }

  async assertCategoryNameFree(name: string, exceptId?: string): Promise<void> {
    const rows = await this.em.execute(`select 1 from certificate_categories where lower(name) = lower(?) and id is distinct from ?`, [
      name,
      exceptId ?? null,
    ]);
    if (rows.length > 0) throw conflict('CERTIFICATES.CATEGORY_NAME_TAKEN', { name });
  }

  async definitionById(id: string): Promise<CertificateDefinition> {
    const definition = UUID.test(id) ? await this.em.findOne(CertificateDefinition, { id }) : null;
    if (!definition) throw notFound('CERTIFICATES.DEFINITION_NOT_FOUND', { definition: id });
    return definition;
  }

  async definitionByCode(code: string): Promise<CertificateDefinition> {
    let normalised: string;
    try {
      normalised = CertificateDefinition.normaliseCode(code);
    } catch {
      throw notFound('CERTIFICATES.DEFINITION_NOT_FOUND', { definition: code });
    }
    const definition = await this.em.findOne(CertificateDefinition, { code: normalised });
    if (!definition) throw notFound('CERTIFICATES.DEFINITION_NOT_FOUND', { definition: code });
    return definition;
  }

  /** By id or by code; when both are given they must name the same definition. */
  async definitionByIdOrCode(ref: { definitionId?: string; definitionCode?: string }): Promise<CertificateDefinition> {
    if (ref.definitionId) {
      const definition = await this.definitionById(ref.definitionId);
      if (ref.definitionCode && definition.code !== ref.definitionCode.trim().toUpperCase()) {
        throw notFound('CERTIFICATES.DEFINITION_NOT_FOUND', { definition: `${ref.definitionCode} (${ref.definitionId})` });
      }
      return definition;
    }
    if (ref.definitionCode) return this.definitionByCode(ref.definitionCode);
    throw invalid('CERTIFICATES.DEFINITION_REQUIRED');
  }

  async assertCodeFree(code: string): Promise<void> {
    const rows = await this.em.execute(`select 1 from certificate_definitions where code = ?`, [code]);
    if (rows.length > 0) throw conflict('CERTIFICATES.DEFINITION_CODE_TAKEN', { code });
  }
}
