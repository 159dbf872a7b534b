import { conflict, DomainError, forbidden, invalid } from '#libs/errors/domain-error.js';

/**
 * The ExternalCertificate aggregate: a certificate a learner earned elsewhere, uploaded by them or for
 * them, waiting for review (pending_review) until a reviewer validates or rejects it, or recorded as is
 * when no validation is required. Every change is a `Change` (pulled by the application layer, which
 * turns each into a history row and, for transitions, the matching integration event).
 */

export type ExternalCertificateState = 'pending_review' | 'validated' | 'rejected' | 'recorded';
export type ReviewerTier = 'manager' | 'coach' | 'group-admin' | 'platform-admin';

export interface StoredPdf {
  storageKey: string;
  fileName: string;
  size: number;
}

export interface ReviewAssignment {
  reviewerId: string;
  tier: ReviewerTier;
  fallbackReviewerId: string | null;
}

export interface ExternalCertificateProps {
  id: string;
  userId: string;
  uploadedBy: string;
  name: string;
  deliveredOn: string;
  expiresOn: string | null;
  definitionId: string | null;
  credits: number | null;
  state: ExternalCertificateState;
  file: StoredPdf;
  reviewerId: string | null;
  reviewerTier: ReviewerTier | null;
  fallbackReviewerId: string | null;
  submittedAt: Date;
  /** When the current reviewer got the task (upload, then every reviewer change); reminders count from it. */
  assignedAt: Date | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  comment: string | null;
  remindedAt: Date | null;
  escalatedAt: Date | null;
  version: number;
}

/** What a reviewer may change while the certificate is pending. Absent fields stay as they are. */
export interface CertificateEdits {
  name?: string;
  deliveredOn?: string;
  expiresOn?: string | null;
  definitionId?: string | null;
}

export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

export type Change =
  | { kind: 'submitted'; actorId: string; assignment: ReviewAssignment }
  | { kind: 'recorded'; actorId: string }
  | { kind: 'edited'; actorId: string; changes: FieldChanges }
  | { kind: 'validated'; actorId: string; comment: string | null; changes: FieldChanges }
  | { kind: 'rejected'; actorId: string; comment: string }
  | {
      kind: 'reviewer-changed';
      actorId: string | null;
      previousReviewerId: string;
      previousFallbackReviewerId: string | null;
      assignment: ReviewAssignment;
      reason: 'reviewer-gone' | 'reassigned';
    };

export const NAME_MAX = 200;
export const COMMENT_MAX = 4000;
/** numeric(8, 2): below a million. */
export const CREDITS_MAX = 999_999.99;

const DATE_FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date as YYYY-MM-DD (2023-02-29 is not one). */
export function checkDate(text: unknown, field: string): string {
  if (typeof text === 'string') {
    const trimmed = text.trim();
    const match = DATE_FORMAT.exec(trimmed);
    if (match) {
      const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
      const date = new Date(Date.UTC(year, month - 1, day));
      if (year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) return trimmed;
    }
  }
  throw invalid('VALIDATION.DATE_INVALID', { field, value: String(text) });
}

/** The latest date it is anywhere on earth now (UTC+14): "not in the future" never refuses today. */
export function latestDateOnEarth(now: Date): string {
  return new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
}

export function checkName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.normalize('NFC').trim() : '';
  if (trimmed.length < 1 || [...trimmed].length > NAME_MAX) throw invalid('VALIDATION.NAME_INVALID');
  return trimmed;
}

/** Credits: only while the credits setting is on; at least 0, at most 2 decimals. */
export function checkCredits(value: unknown, creditsEnabled: boolean): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (!creditsEnabled) throw invalid('VALIDATION.CREDITS_OFF');
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d+(\.\d{1,2})?$/.test(text)) throw invalid('VALIDATION.CREDITS_INVALID', { value: String(value) });
  const credits = Number(text);
  if (!Number.isFinite(credits) || credits < 0 || credits > CREDITS_MAX) throw invalid('VALIDATION.CREDITS_INVALID', { value: String(value) });
  return credits;
}

/** A comment: trimmed, blank is none. */
export function checkComment(comment: unknown): string | null {
  if (comment === undefined || comment === null) return null;
  const trimmed = String(comment).trim();
  if (trimmed.length === 0) return null;
  if ([...trimmed].length > COMMENT_MAX) throw invalid('VALIDATION.COMMENT_TOO_LONG', { max: COMMENT_MAX });
  return trimmed;
}

function checkDates(deliveredOn: string, expiresOn: string | null, now: Date): void {
  if (deliveredOn > latestDateOnEarth(now)) throw invalid('VALIDATION.DELIVERED_IN_FUTURE', { deliveredOn });
  if (expiresOn !== null && expiresOn < deliveredOn) throw invalid('VALIDATION.EXPIRY_BEFORE_DELIVERY', { deliveredOn, expiresOn });
}

export interface UploadInput {
  id: string;
  userId: string;
  uploadedBy: string;
  name: unknown;
  deliveredOn: unknown;
  expiresOn?: unknown;
  definitionId?: string | null;
  credits?: unknown;
  creditsEnabled: boolean;
  file: StoredPdf;
  /** The chosen reviewer when validation is required; null: not required, the certificate is recorded. */
  review: ReviewAssignment | null;
  now: Date;
}

export class ExternalCertificate {
  private changes: Change[] = [];

  private constructor(private props: ExternalCertificateProps) {}

  static restore(props: ExternalCertificateProps): ExternalCertificate {
    return new ExternalCertificate({ ...props, file: { ...props.file } });
  }

  /** A new upload: pending_review with its reviewer when validation is required, else recorded. */
  static upload(input: UploadInput): ExternalCertificate {
    const name = checkName(input.name);
    const deliveredOn = checkDate(input.deliveredOn, 'deliveredOn');
    const expiresOn = input.expiresOn === undefined || input.expiresOn === null || input.expiresOn === '' ? null : checkDate(input.expiresOn, 'expiresOn');
    checkDates(deliveredOn, expiresOn, input.now);
    const credits = checkCredits(input.credits, input.creditsEnabled);
    if (input.review && input.review.reviewerId === input.userId) throw forbidden('VALIDATION.OWN_CERTIFICATE');
    const review = input.review;
    const certificate = new ExternalCertificate({
      id: input.id,
      userId: input.userId,
      uploadedBy: input.uploadedBy,
      name,
      deliveredOn,
      expiresOn,
      definitionId: input.definitionId ?? null,
      credits,
      state: review ? 'pending_review' : 'recorded',
      file: { ...input.file },
      reviewerId: review?.reviewerId ?? null,
      reviewerTier: review?.tier ?? null,
      fallbackReviewerId: review ? (review.fallbackReviewerId === review.reviewerId || review.fallbackReviewerId === input.userId ? null : review.fallbackReviewerId) : null,
      submittedAt: input.now,
      assignedAt: review ? input.now : null,
      decidedAt: null,
      decidedBy: null,
      comment: null,
      remindedAt: null,
      escalatedAt: null,
      version: 1,
    });
    certificate.changes.push(
      review
        ? { kind: 'submitted', actorId: input.uploadedBy, assignment: { ...review, fallbackReviewerId: certificate.props.fallbackReviewerId } }
        : { kind: 'recorded', actorId: input.uploadedBy },
    );
    return certificate;
  }

  get id() {
    return this.props.id;
  }
  get state() {
    return this.props.state;
  }
  get userId() {
    return this.props.userId;
  }
  get reviewerId() {
    return this.props.reviewerId;
  }
  get fallbackReviewerId() {
    return this.props.fallbackReviewerId;
  }
  get version() {
    return this.props.version;
  }

  snapshot(): Readonly<ExternalCertificateProps> {
    return { ...this.props, file: { ...this.props.file } };
  }

  /** The changes since it was loaded or created, in order; the list is emptied. */
  pullChanges(): Change[] {
    const changes = this.changes;
    this.changes = [];
    return changes;
  }

  private assertPending(): void {
    if (this.props.state !== 'pending_review') throw conflict('VALIDATION.ALREADY_DECIDED', { state: this.props.state });
  }

  private assertNotOwn(by: string): void {
    if (by === this.props.userId) throw forbidden('VALIDATION.OWN_CERTIFICATE');
  }

  /** Applies edits after checking all of them; answers what actually changed. */
  private applyEdits(edits: CertificateEdits, now: Date): FieldChanges {
    const next = {
      name: edits.name === undefined ? this.props.name : checkName(edits.name),
      deliveredOn: edits.deliveredOn === undefined ? this.props.deliveredOn : checkDate(edits.deliveredOn, 'deliveredOn'),
      expiresOn: edits.expiresOn === undefined ? this.props.expiresOn : edits.expiresOn === null || edits.expiresOn === '' ? null : checkDate(edits.expiresOn, 'expiresOn'),
      definitionId: edits.definitionId === undefined ? this.props.definitionId : edits.definitionId,
    };
    checkDates(next.deliveredOn, next.expiresOn, now);
    const changes: FieldChanges = {};
    for (const field of ['name', 'deliveredOn', 'expiresOn', 'definitionId'] as const) {
      if (next[field] !== this.props[field]) changes[field] = { from: this.props[field], to: next[field] };
    }
    Object.assign(this.props, next);
    return changes;
  }

  /** A reviewer's edits while the certificate waits for review. Nothing changed: no change recorded. */
  edit(by: string, edits: CertificateEdits, now: Date): FieldChanges {
    this.assertPending();
    this.assertNotOwn(by);
    const changes = this.applyEdits(edits, now);
    if (Object.keys(changes).length > 0) {
      this.props.version += 1;
      this.changes.push({ kind: 'edited', actorId: by, changes });
    }
    return changes;
  }

  validate(by: string, edits: CertificateEdits, comment: unknown, now: Date): void {
    this.assertPending();
    this.assertNotOwn(by);
    const checkedComment = checkComment(comment);
    const changes = this.applyEdits(edits, now);
    Object.assign(this.props, { state: 'validated', decidedAt: now, decidedBy: by, comment: checkedComment });
    this.props.version += 1;
    this.changes.push({ kind: 'validated', actorId: by, comment: checkedComment, changes });
  }

  reject(by: string, comment: unknown, now: Date): void {
    this.assertPending();
    this.assertNotOwn(by);
    const checkedComment = checkComment(comment);
    if (checkedComment === null) throw invalid('VALIDATION.REJECTION_NEEDS_COMMENT');
    Object.assign(this.props, { state: 'rejected', decidedAt: now, decidedBy: by, comment: checkedComment });
    this.props.version += 1;
    this.changes.push({ kind: 'rejected', actorId: by, comment: checkedComment });
  }

  /**
   * Moves the task to another reviewer (the previous one is gone, or an admin reassigns it), with a new
   * fallback. Answers false when nothing changes. A new reviewer starts afresh: the reminder delay counts
   * from now, and the reminder and escalation marks of the previous reviewer are cleared.
   */
  reassign(assignment: ReviewAssignment, reason: 'reviewer-gone' | 'reassigned', actorId: string | null, now = new Date()): boolean {
    this.assertPending();
    if (assignment.reviewerId === this.props.userId) throw forbidden('VALIDATION.OWN_CERTIFICATE');
    const fallback =
      assignment.fallbackReviewerId === assignment.reviewerId || assignment.fallbackReviewerId === this.props.userId ? null : assignment.fallbackReviewerId;
    const previousReviewerId = this.props.reviewerId!;
    const previousFallbackReviewerId = this.props.fallbackReviewerId;
    if (previousReviewerId === assignment.reviewerId && previousFallbackReviewerId === fallback && this.props.reviewerTier === assignment.tier) return false;
    Object.assign(this.props, { reviewerId: assignment.reviewerId, reviewerTier: assignment.tier, fallbackReviewerId: fallback });
    if (previousReviewerId !== assignment.reviewerId) Object.assign(this.props, { assignedAt: now, remindedAt: null, escalatedAt: null });
    this.props.version += 1;
    this.changes.push({
      kind: 'reviewer-changed',
      actorId,
      previousReviewerId,
      previousFallbackReviewerId,
      assignment: { ...assignment, fallbackReviewerId: fallback },
      reason,
    });
    return true;
  }
}

export const fileTooLarge = (maxBytes: number) => new DomainError('VALIDATION.FILE_TOO_LARGE', 'payload_too_large', { maxBytes });
export const notAPdf = () => new DomainError('VALIDATION.NOT_A_PDF', 'unsupported_media_type');
