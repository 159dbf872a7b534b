import type { EntityManager } from '@mikro-orm/postgresql';
import { executeBound } from '#libs/database/bound-query.js';
import { ATTRIBUTE_COLUMN_PREFIX, type CredentialValues } from '../domain/credential-update-rules.js';

export interface CredentialWrite {
  id: string;
  /** Only the fields to write (a field absent keeps its value); custom attributes as `attributes.<key>`, null removes one. */
  values: CredentialValues;
  correctedFields: string[];
}

/** Writes a chunk's credential updates (or their undo) in one statement; each write moves the version on by one. */
export async function writeCredentialValues(em: EntityManager, writes: CredentialWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const records = writes.map((write) => {
    const fields: Record<string, string | number | null> = {};
    const attributesSet: Record<string, string | number> = {};
    const attributesRemoved: string[] = [];
    for (const [key, value] of Object.entries(write.values)) {
      if (key.startsWith(ATTRIBUTE_COLUMN_PREFIX)) {
        const attribute = key.slice(ATTRIBUTE_COLUMN_PREFIX.length);
        if (value === null) attributesRemoved.push(attribute);
        else attributesSet[attribute] = value;
      } else if (!key.startsWith('$')) fields[key] = value;
    }
    return { id: write.id, fields, attributes_set: attributesSet, attributes_removed: attributesRemoved, corrected: write.correctedFields };
  });
  await executeBound(
    em,
    `update credentials c
        set recipient_name = case when r.fields ? 'recipientName' then r.fields ->> 'recipientName' else c.recipient_name end,
            recipient_email = case when r.fields ? 'recipientEmail' then r.fields ->> 'recipientEmail' else c.recipient_email end,
            recipient_id = case when r.fields ? 'recipientId' then r.fields ->> 'recipientId' else c.recipient_id end,
            issued_on = case when r.fields ? 'issuedOn' then (r.fields ->> 'issuedOn')::date else c.issued_on end,
            expires_on = case when r.fields ? 'expiresOn' then (r.fields ->> 'expiresOn')::date else c.expires_on end,
            grade = case when r.fields ? 'grade' then r.fields ->> 'grade' else c.grade end,
            attributes = (c.attributes - r.attributes_removed) || r.attributes_set,
            corrected_fields = r.corrected,
            version = c.version + 1,
            updated_at = now()
       from jsonb_to_recordset($1::jsonb) as r(id uuid, fields jsonb, attributes_set jsonb, attributes_removed text[], corrected text[])
      where c.id = r.id`,
    [JSON.stringify(records)],
  );
}
