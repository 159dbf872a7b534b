import { Query } from '@nestjs/cqrs';
import { defineEvent } from '../integration-event.js';
import type { Principal } from '../users/principal.js';

/**
 * The Credentials module's public contract: credential groups and designs, issued credentials, and the
 * credit ledger that renewals are paid from.
 */

/** A credential's fields an update can change (custom attributes as `attributes.<key>`). */
export interface CredentialFieldChange {
  before: unknown;
  after: unknown;
}

export interface CredentialUpdatedPayload {
  credentialId: string;
  groupId: string;
  /** By field: recipientName, recipientEmail, recipientId, issuedOn, expiresOn, grade, attributes.<key>. */
  changes: Record<string, CredentialFieldChange>;
  /** Who changed it; the import and its row when an import did. */
  changedBy: string;
  importId: string | null;
  rowNumber: number | null;
  changedAt: string;
}

export class CredentialUpdated extends defineEvent<CredentialUpdatedPayload>('credentials.credential-updated.v1') {}

export interface CredentialRenewedPayload {
  credentialId: string;
  groupId: string;
  /** YYYY-MM-DD: the expiry that had passed. */
  previousExpiresOn: string;
  /** YYYY-MM-DD: the new expiry, in the future. */
  expiresOn: string;
  /** The ledger entry that paid for it. */
  creditEntryId: string;
  importId: string | null;
  rowNumber: number | null;
  renewedAt: string;
}

/** An expired credential was given a future expiry (recertification); it cost one credit. */
export class CredentialRenewed extends defineEvent<CredentialRenewedPayload>('credentials.credential-renewed.v1') {}

export interface CreditsDebitedPayload {
  entryId: string;
  amount: number;
  /** What paid: e.g. `renewal`. */
  reason: string;
  credentialId: string | null;
  importId: string | null;
  balanceAfter: number;
  debitedAt: string;
  /** The credential group of the credential paid for (reporting counts credits per group); null without one. Added with milestone 1. */
  groupId?: string | null;
}

export class CreditsDebited extends defineEvent<CreditsDebitedPayload>('credentials.credits-debited.v1') {}

export interface CreditsRefundedPayload {
  entryId: string;
  amount: number;
  /** The debit entry it gives back (an undone renewal). */
  refundOf: string;
  credentialId: string | null;
  importId: string | null;
  balanceAfter: number;
  refundedAt: string;
  /** The group of the debit it gives back, the debit's reason (`renewal`) and when it was debited: reporting takes it off that month. Added with milestone 1. */
  groupId?: string | null;
  reasonOfDebit?: string;
  debitedAt?: string;
}

export class CreditsRefunded extends defineEvent<CreditsRefundedPayload>('credentials.credits-refunded.v1') {}

export interface ManageableCredentialGroup {
  id: string;
  name: string;
}

/**
 * The credential groups a principal may manage (all of them with scope.all; otherwise those owned by a
 * user group they administer, subgroups included). What reports on credentials are limited to.
 */
export class ListManageableCredentialGroupsQuery extends Query<ManageableCredentialGroup[]> {
  constructor(readonly principal: Principal) {
    super();
  }
}
