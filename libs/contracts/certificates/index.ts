import { Command, Query } from '@nestjs/cqrs';
import { defineEvent } from '../integration-event.js';
import type { Principal } from '../users/principal.js';
import type { CertificateDefinitionSummary, CertificateSource } from './types.js';

export * from './types.js';

/** Definitions by code (case-insensitive), in one query: unknown codes are simply absent. */
export class FindDefinitionsByCodesQuery extends Query<CertificateDefinitionSummary[]> {
  constructor(readonly codes: string[]) {
    super();
  }
}

/** Definitions by id, in one query: unknown ids are simply absent. */
export class FindDefinitionsByIdsQuery extends Query<CertificateDefinitionSummary[]> {
  constructor(readonly ids: string[]) {
    super();
  }
}

/**
 * An attachment of a certificate being registered. Either a local file that is read once and stored
 * (an HTTP upload in a temporary directory), or an object already in the StoragePort (a file that an
 * import extracted from a ZIP). Its type is decided from its bytes, never from its name.
 */
export type CertificateAttachmentSource =
  | { kind: 'local-file'; path: string; fileName: string }
  | {
      kind: 'stored';
      storageKey: string;
      fileName: string;
      /**
       * What the caller already read from the stored bytes (an import sniffed them when it extracted the
       * ZIP): saves reading every file again. Omitted: the Certificates module reads them itself.
       */
      known?: { mediaType: string | null; size: number };
    };

export interface RegisterObtainedCertificateInput {
  userId: string;
  /** One of definitionId and definitionCode. */
  definitionId?: string;
  definitionCode?: string;
  /** YYYY-MM-DD */
  dateObtained: string;
  /** YYYY-MM-DD; omitted or null: the definition's default validity (or no expiry). */
  dateExpires?: string | null;
  /** A number issued elsewhere. Not together with autoNumber. */
  number?: string | null;
  /** Hand out the next number of the definition's sequence. */
  autoNumber?: boolean;
  /**
   * A number taken earlier from AllocateCertificateNumbersCommand for this definition (imports reserve
   * a block per chunk). Implies an automatic number; not together with number.
   */
  allocatedNumber?: string;
  source: CertificateSource;
  attachment?: CertificateAttachmentSource;
  /**
   * The external certificate (Validation module) this one comes from. At most one obtained certificate
   * exists per external certificate: registering it again answers the existing one.
   */
  externalCertificateId?: string;
}

export interface RegisterObtainedCertificateOptions {
  /**
   * false: persist in the current unit of work without flushing; the caller flushes (an import chunk
   * writes many rows with one flush). Default true.
   */
  flush?: boolean;
  /**
   * With flush: false, leave the certificate out of the ORM's change tracking: the Certificates module
   * writes all deferred certificates of the unit of work in one statement when it is flushed. For bulk
   * callers that flush once per batch.
   */
  deferWrite?: boolean;
}

/**
 * Registers one obtained certificate for a user in the principal's scope, with its optional attachment,
 * and records ObtainedCertificateRegistered in the same unit of work. Runs in the caller's MikroORM
 * context (the request's, or the import chunk's).
 */
export class RegisterObtainedCertificateCommand extends Command<{ id: string; number: string | null }> {
  constructor(
    readonly principal: Principal,
    readonly input: RegisterObtainedCertificateInput,
    readonly options: RegisterObtainedCertificateOptions = {},
  ) {
    super();
  }
}

/** A certificate registered by RegisterObtainedCertificatesCommand, or why its input was refused (a domain error's code and params). */
export type CertificateRegistration = { id: string; number: string | null } | { refused: { code: string; params: Record<string, string | number | boolean | string[]> } };

/**
 * Registers many obtained certificates in the caller's unit of work, each under the same rules as
 * RegisterObtainedCertificateCommand (scope, definition, dates, number, attachment) and each with its
 * ObtainedCertificateRegistered; the users and definitions are looked up once for all of them, and the rows
 * are written in one statement per table when the unit of work is flushed (a bulk write: the caller flushes).
 * One result per input, in input order: a refused input does not stop the others. For import chunks; not
 * for certificates from an external certificate (those are registered one at a time).
 */
export class RegisterObtainedCertificatesCommand extends Command<CertificateRegistration[]> {
  constructor(
    readonly principal: Principal,
    readonly inputs: RegisterObtainedCertificateInput[],
  ) {
    super();
  }
}

/**
 * Reserves `count` consecutive automatic numbers of a definition at once, in a short transaction of
 * its own: numbers of a rolled-back import are lost (gaps are accepted), never handed out twice.
 */
export class AllocateCertificateNumbersCommand extends Command<string[]> {
  constructor(
    readonly definitionId: string,
    readonly count: number,
    /** Only show the numbers the next allocation would give (validate-only runs); take nothing. */
    readonly preview = false,
  ) {
    super();
  }
}

export interface ObtainedCertificateRegisteredPayload {
  certificateId: string;
  userId: string;
  definitionId: string;
  definitionCode: string;
  /** YYYY-MM-DD */
  obtainedOn: string;
  /** YYYY-MM-DD or null */
  expiresOn: string | null;
  source: CertificateSource;
}

export class ObtainedCertificateRegistered extends defineEvent<ObtainedCertificateRegisteredPayload>(
  'certificates.obtained-certificate-registered.v1',
) {}

/** A certificate an import created, as the import recorded it: its id and the version it had then. */
export interface ImportedCertificateRef {
  id: string;
  version: number;
}

/**
 * What became of one certificate asked to be removed: `removed`; `changed_since` (its version moved on,
 * so it stays); `gone` (it no longer exists); `forbidden` (its holder is outside the principal's scope).
 */
export type ImportedCertificateRemoval = 'removed' | 'changed_since' | 'gone' | 'forbidden';

/**
 * Undo of an import of obtained certificates, for a batch (an import chunk): removes each certificate
 * whose version still equals the one the import recorded and whose holder is in the principal's scope
 * (the scope rule of every certificate write), with its attachments; records ObtainedCertificateRemoved
 * for each. One query loads (and locks) the batch, one deletes. Runs in the caller's transaction.
 * Returns the result per id.
 */
export class RemoveImportedObtainedCertificatesCommand extends Command<Map<string, ImportedCertificateRemoval>> {
  constructor(
    readonly principal: Principal,
    readonly items: ImportedCertificateRef[],
  ) {
    super();
  }
}

export interface ObtainedCertificateRemovedPayload {
  certificateId: string;
  userId: string;
  definitionId: string;
  definitionCode: string;
  /** YYYY-MM-DD */
  obtainedOn: string;
  /** Why it went: the undo of the import that created it. */
  reason: 'import-undone';
}

export class ObtainedCertificateRemoved extends defineEvent<ObtainedCertificateRemovedPayload>('certificates.obtained-certificate-removed.v1') {}
