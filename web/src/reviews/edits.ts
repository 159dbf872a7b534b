import type { Schemas } from '../app/api';

type Certificate = Schemas['ExternalCertificateDto'];

/** The edit form's values (dates as YYYY-MM-DD, '' for none). */
export interface Fields {
  name: string;
  deliveredOn: string;
  expiresOn: string;
  definitionId: string;
}

export interface Edits {
  name?: string;
  deliveredOn?: string;
  expiresOn?: string | null;
  definitionId?: string | null;
}

export const fieldsOf = (certificate: Pick<Certificate, 'name' | 'deliveredOn' | 'expiresOn' | 'definitionId'>): Fields => ({
  name: certificate.name,
  deliveredOn: certificate.deliveredOn,
  expiresOn: certificate.expiresOn ?? '',
  definitionId: certificate.definitionId ?? '',
});

/** Only what differs from what was read: an unchanged field is not sent (and so never counts as an edit). */
export function editsBetween(original: Fields, current: Fields): Edits {
  const edits: Edits = {};
  if (current.name !== original.name) edits.name = current.name;
  if (current.deliveredOn !== original.deliveredOn) edits.deliveredOn = current.deliveredOn;
  if (current.expiresOn !== original.expiresOn) edits.expiresOn = current.expiresOn === '' ? null : current.expiresOn;
  if (current.definitionId !== original.definitionId) edits.definitionId = current.definitionId === '' ? null : current.definitionId;
  return edits;
}
