import { randomUUID } from 'node:crypto';
import { CERTIFICATE_SOURCES, type CertificateSource } from '#libs/contracts/certificates/types.js';
import { DomainError, invalid } from '#libs/errors/domain-error.js';
import { isAutoNumberOf, type DefinitionTerms } from './certificate-definition.js';
import { addMonths, latestDateOnEarth, parseLocalDate, type LocalDate } from './local-date.js';

/** What an attachment may be: decided from its bytes (see libs/storage/file-type.ts), never its name. */
export const ALLOWED_ATTACHMENT_MEDIA_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
const MAX_NUMBER_LENGTH = 100;
const MAX_FILE_NAME_LENGTH = 255;

export interface RegistrationDetails {
  userId: string;
  dateObtained: string;
  /** Omitted or null: obtained + the definition's validity, or no expiry when it has none. */
  dateExpires?: string | null;
  number?: string | null;
  autoNumber?: boolean;
  /** A number reserved earlier from the definition's sequence (imports reserve blocks). */
  allocatedNumber?: string;
  source: CertificateSource;
  registeredBy: string | null;
  /** The external certificate (Validation module) it comes from: at most one obtained certificate each. */
  externalCertificateId?: string | null;
}

export interface StoredFile {
  fileName: string;
  mediaType: string;
  size: number;
  storageKey: string;
}

/** A file proving a certificate (a scan, a PDF). The bytes live behind the StoragePort under storageKey. */
export class CertificateAttachment {
  id: string;
  certificateId: string;
  originalFileName: string;
  mediaType: string;
  size: number;
  /** SHA-256 of the bytes, hex: the content address in the StoragePort. */
  storageKey: string;
  createdAt: Date;
}

/** An obtained certificate's fields, as the rules decided them (see ObtainedCertificate.decide). */
export type ObtainedCertificateValues = Pick<
  ObtainedCertificate,
  'id' | 'userId' | 'definitionId' | 'dateObtained' | 'dateExpires' | 'number' | 'autoNumbered' | 'source' | 'registeredBy' | 'createdAt'
>;

/** A certificate a person holds: which definition, when obtained, until when valid, its number. */
export class ObtainedCertificate {
  id: string;
  userId: string;
  definitionId: string;
  dateObtained: LocalDate;
  dateExpires: LocalDate | null;
  number: string | null;
  autoNumbered: boolean;
  source: CertificateSource;
  registeredBy: string | null;
  /** The external certificate it was registered from (unique), or null. Bulk writes never set it. */
  externalCertificateId: string | null;
  createdAt: Date;

  /**
   * Registers a certificate under the rules of its definition. `today` is the latest date anywhere on
   * earth, so a certificate obtained "today" in any time zone is accepted.
   */
  static register(definition: DefinitionTerms, details: RegistrationDetails, today: LocalDate = latestDateOnEarth()): ObtainedCertificate {
    return Object.assign(new ObtainedCertificate(), ObtainedCertificate.decide(definition, details, today), {
      externalCertificateId: details.externalCertificateId ?? null,
    });
  }

  /**
   * What `register` decides, as plain values: the same rules and refusals, without an entity instance.
   * Bulk writers (imports) take these: an entity the ORM manages costs a property definition per field.
   */
  static decide(definition: DefinitionTerms, details: RegistrationDetails, today: LocalDate = latestDateOnEarth()): ObtainedCertificateValues {
    if (!(CERTIFICATE_SOURCES as readonly string[]).includes(details.source)) {
      throw invalid('CERTIFICATES.SOURCE_INVALID', { source: String(details.source), allowed: CERTIFICATE_SOURCES.join(', ') });
    }
    const obtained = parseLocalDate(details.dateObtained, 'dateObtained');
    if (obtained > today) throw invalid('CERTIFICATES.OBTAINED_IN_FUTURE', { dateObtained: obtained });

    let expires: LocalDate | null;
    if (details.dateExpires === undefined || details.dateExpires === null || details.dateExpires.trim() === '') {
      expires = definition.validityMonths === null ? null : addMonths(obtained, definition.validityMonths);
    } else {
      expires = parseLocalDate(details.dateExpires, 'dateExpires');
      if (expires < obtained) throw invalid('CERTIFICATES.EXPIRY_BEFORE_OBTAINED', { dateObtained: obtained, dateExpires: expires });
    }

    const manualNumber = ObtainedCertificate.normaliseNumber(details.number ?? null);
    const automatic = details.autoNumber === true || details.allocatedNumber !== undefined;
    if (automatic && manualNumber !== null) throw invalid('CERTIFICATES.AUTO_NUMBER_WITH_NUMBER', { number: manualNumber });
    if (automatic && definition.numberPrefix === null) throw invalid('CERTIFICATES.AUTO_NUMBERING_NOT_ENABLED', { code: definition.code });

    const values: ObtainedCertificateValues = {
      id: randomUUID(),
      userId: details.userId,
      definitionId: definition.id,
      dateObtained: obtained,
      dateExpires: expires,
      number: manualNumber,
      autoNumbered: automatic,
      source: details.source,
      registeredBy: details.registeredBy,
      createdAt: new Date(),
    };
    if (details.allocatedNumber !== undefined) values.number = ObtainedCertificate.autoNumberFor(values, definition, details.allocatedNumber);
    return values;
  }

  /** True while an automatically numbered certificate waits for its number from the sequence. */
  awaitsAutoNumber(): boolean {
    return ObtainedCertificate.awaitsAutoNumber(this);
  }

  static awaitsAutoNumber(certificate: ObtainedCertificateValues): boolean {
    return certificate.autoNumbered && certificate.number === null;
  }

  assignAutoNumber(definition: DefinitionTerms, number: string): void {
    this.number = ObtainedCertificate.autoNumberFor(this, definition, number);
  }

  /** `number` once checked as the automatic number of `certificate` under `definition`. */
  static autoNumberFor(certificate: ObtainedCertificateValues, definition: DefinitionTerms, number: string): string {
    if (!ObtainedCertificate.awaitsAutoNumber(certificate)) throw new Error(`certificate ${certificate.id} does not wait for an automatic number`);
    if (definition.id !== certificate.definitionId || !isAutoNumberOf(definition, number)) {
      throw invalid('CERTIFICATES.ALLOCATED_NUMBER_INVALID', { number, code: definition.code });
    }
    return number;
  }

  /** Adds a file whose type was decided from its bytes. Only PDF, PNG and JPEG are kept. */
  attach(file: StoredFile): CertificateAttachment {
    return ObtainedCertificate.attachmentOf(this.id, file);
  }

  static attachmentOf(certificateId: string, file: StoredFile): CertificateAttachment {
    const fileName = ObtainedCertificate.normaliseFileName(file.fileName);
    if (!(ALLOWED_ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(file.mediaType)) {
      throw attachmentTypeNotAllowed(fileName);
    }
    if (!/^[0-9a-f]{64}$/.test(file.storageKey)) throw new Error(`not a content address: ${file.storageKey}`);
    const attachment = new CertificateAttachment();
    attachment.id = randomUUID();
    attachment.certificateId = certificateId;
    attachment.originalFileName = fileName;
    attachment.mediaType = file.mediaType;
    attachment.size = file.size;
    attachment.storageKey = file.storageKey;
    attachment.createdAt = new Date();
    return attachment;
  }

  static normaliseNumber(number: string | null): string | null {
    if (number === null) return null;
    const trimmed = number.normalize('NFC').trim();
    if (trimmed === '') return null;
    if (trimmed.length > MAX_NUMBER_LENGTH || /\p{Cc}/u.test(trimmed)) throw invalid('CERTIFICATES.NUMBER_INVALID', { number });
    return trimmed;
  }

  /** Keeps the name a person gave the file, without directories or control characters. */
  static normaliseFileName(fileName: string): string {
    const base = fileName.normalize('NFC').split(/[\\/]/).pop() ?? '';
    const cleaned = base.replace(/\p{Cc}/gu, '').trim();
    if (cleaned === '' || cleaned === '.' || cleaned === '..') return 'attachment';
    if (cleaned.length <= MAX_FILE_NAME_LENGTH) return cleaned;
    const dot = cleaned.lastIndexOf('.');
    const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
    return cleaned.slice(0, MAX_FILE_NAME_LENGTH - extension.length) + extension;
  }
}

export function attachmentTypeNotAllowed(fileName: string): DomainError {
  return new DomainError('CERTIFICATES.ATTACHMENT_TYPE_NOT_ALLOWED', 'unsupported_media_type', {
    fileName,
    allowed: 'PDF, PNG, JPEG',
  });
}
