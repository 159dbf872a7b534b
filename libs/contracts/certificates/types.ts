/** Plain types and constants of the Certificates contract (no framework code: the domain may use them). */

/** How an obtained certificate reached the system. */
export const CERTIFICATE_SOURCES = ['manual', 'import', 'external'] as const;
export type CertificateSource = (typeof CERTIFICATE_SOURCES)[number];

/** What other modules may know of a certificate definition (the catalogue entry). */
export interface CertificateDefinitionSummary {
  id: string;
  /** Upper case, as stored (codes are matched case-insensitively). */
  code: string;
  name: string;
  categoryId: string;
  /** Default validity in months; null: certificates of this definition do not expire by default. */
  validityMonths: number | null;
  /** Prefix of automatic numbers; null: this definition does not hand out automatic numbers. */
  numberPrefix: string | null;
}
