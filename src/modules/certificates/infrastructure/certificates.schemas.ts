import { BigIntType, EntitySchema } from '@mikro-orm/core';
import { CERTIFICATE_SOURCES } from '#libs/contracts/certificates/index.js';
import { CertificateCategory } from '../domain/certificate-category.js';
import { CertificateDefinition } from '../domain/certificate-definition.js';
import { CertificateAttachment, ObtainedCertificate } from '../domain/obtained-certificate.js';

export const CertificateCategorySchema = new EntitySchema<CertificateCategory>({
  class: CertificateCategory,
  tableName: 'certificate_categories',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    createdAt: { type: 'timestamptz' },
  },
});

export const CertificateDefinitionSchema = new EntitySchema<CertificateDefinition>({
  class: CertificateDefinition,
  tableName: 'certificate_definitions',
  properties: {
    id: { type: 'uuid', primary: true },
    code: { type: 'text', unique: true },
    name: { type: 'text' },
    categoryId: { type: 'uuid' },
    validityMonths: { type: 'integer', nullable: true },
    numberPrefix: { type: 'text', nullable: true },
    createdAt: { type: 'timestamptz' },
    updatedAt: { type: 'timestamptz' },
  },
});

export const ObtainedCertificateSchema = new EntitySchema<ObtainedCertificate>({
  class: ObtainedCertificate,
  tableName: 'obtained_certificates',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    definitionId: { type: 'uuid' },
    dateObtained: { type: 'date', fieldName: 'obtained_on' },
    dateExpires: { type: 'date', fieldName: 'expires_on', nullable: true },
    number: { type: 'text', nullable: true },
    autoNumbered: { type: 'boolean' },
    source: { enum: true, items: () => [...CERTIFICATE_SOURCES] },
    registeredBy: { type: 'uuid', nullable: true },
    externalCertificateId: { type: 'uuid', nullable: true },
    createdAt: { type: 'timestamptz' },
  },
});

export const CertificateAttachmentSchema = new EntitySchema<CertificateAttachment>({
  class: CertificateAttachment,
  tableName: 'obtained_certificate_attachments',
  properties: {
    id: { type: 'uuid', primary: true },
    certificateId: { type: 'uuid' },
    originalFileName: { type: 'text' },
    mediaType: { type: 'text' },
    size: { type: new BigIntType('number') },
    storageKey: { type: 'text' },
    createdAt: { type: 'timestamptz' },
  },
});

export const CERTIFICATES_ENTITIES = [
  CertificateCategorySchema,
  CertificateDefinitionSchema,
  ObtainedCertificateSchema,
  CertificateAttachmentSchema,
];
