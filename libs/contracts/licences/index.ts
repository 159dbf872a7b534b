import { defineEvent } from '../integration-event.js';

/**
 * The Licences module's public contract: the events of a user's licence (or certification) life. A
 * licence's `version` grows with every write (one sequence for all licences), so a consumer that sees
 * the events of one licence out of order keeps the newest state: apply an event only when its version
 * is above the one it holds.
 */
export interface LicenceState {
  licenceId: string;
  userId: string;
  typeId: string;
  typeCode: string;
  typeName: string;
  number: string | null;
  jurisdiction: string | null;
  /** YYYY-MM-DD */
  issuedOn: string;
  /** YYYY-MM-DD; null: does not expire. */
  expiresOn: string | null;
  version: number;
}

export interface LicenceEventContext {
  /** Who made the change (the admin, or the admin who started the import); null for the system (demo data). */
  changedBy: string | null;
  /** 'manual' (REST), 'import', 'undo' (an import's undo), 'demo'. */
  source: 'manual' | 'import' | 'undo' | 'demo';
  /** The import (or undo run) that made the change, if any. */
  importId: string | null;
}

export type LicenceAddedPayload = LicenceState & LicenceEventContext;
export type LicenceChangedPayload = LicenceState & LicenceEventContext;
export type LicenceRemovedPayload = Pick<LicenceState, 'licenceId' | 'userId' | 'typeId' | 'typeCode' | 'version'> & LicenceEventContext;

/** A licence was recorded for a user (by hand, by an import, or restored by an import's undo). */
export class LicenceAdded extends defineEvent<LicenceAddedPayload>('licences.licence-added.v1') {}

/** A licence's number, state, issue or expiry date changed; the payload is its state after the change. */
export class LicenceChanged extends defineEvent<LicenceChangedPayload>('licences.licence-changed.v1') {}

/** A licence was deleted (by hand, by an import's Delete row, or by the undo of the import that added it). */
export class LicenceRemoved extends defineEvent<LicenceRemovedPayload>('licences.licence-removed.v1') {}
