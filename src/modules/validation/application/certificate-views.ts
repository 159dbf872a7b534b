import type { UserSummary } from '#libs/contracts/users/index.js';
import type { ExternalCertificateProps, ExternalCertificateState, ReviewerTier } from '../domain/external-certificate.js';
import { displayName } from './people.js';

export interface PersonRef {
  id: string;
  name: string | null;
}

/** An external certificate as the API shows it (never the ORM row). */
export interface ExternalCertificateView {
  id: string;
  state: ExternalCertificateState;
  user: PersonRef;
  uploadedBy: PersonRef;
  name: string;
  deliveredOn: string;
  expiresOn: string | null;
  definitionId: string | null;
  credits: number | null;
  file: { fileName: string; size: number };
  reviewer: (PersonRef & { tier: ReviewerTier | null }) | null;
  fallbackReviewer: PersonRef | null;
  submittedAt: string;
  decidedAt: string | null;
  decidedBy: PersonRef | null;
  comment: string | null;
  remindedAt: string | null;
  escalatedAt: string | null;
  version: number;
}

export interface HistoryEntryView {
  at: string;
  actor: PersonRef | null;
  action: string;
  comment: string | null;
  details: Record<string, unknown>;
}

export const peopleOnCertificate = (p: Readonly<ExternalCertificateProps>) => [p.userId, p.uploadedBy, p.reviewerId, p.fallbackReviewerId, p.decidedBy];

const ref = (id: string, people: Map<string, UserSummary>): PersonRef => ({ id, name: displayName(people.get(id)) });

export function toView(p: Readonly<ExternalCertificateProps>, people: Map<string, UserSummary>): ExternalCertificateView {
  return {
    id: p.id,
    state: p.state,
    user: ref(p.userId, people),
    uploadedBy: ref(p.uploadedBy, people),
    name: p.name,
    deliveredOn: p.deliveredOn,
    expiresOn: p.expiresOn,
    definitionId: p.definitionId,
    credits: p.credits,
    file: { fileName: p.file.fileName, size: p.file.size },
    reviewer: p.reviewerId ? { ...ref(p.reviewerId, people), tier: p.reviewerTier } : null,
    fallbackReviewer: p.fallbackReviewerId ? ref(p.fallbackReviewerId, people) : null,
    submittedAt: p.submittedAt.toISOString(),
    decidedAt: p.decidedAt?.toISOString() ?? null,
    decidedBy: p.decidedBy ? ref(p.decidedBy, people) : null,
    comment: p.comment,
    remindedAt: p.remindedAt?.toISOString() ?? null,
    escalatedAt: p.escalatedAt?.toISOString() ?? null,
    version: p.version,
  };
}
