/** Licences import files for tests (and the bench): tab-delimited text and XML in the import's format. */
export const LICENCE_HEADER = ['Action', 'User', 'Licence Type Code', 'Licence Type Name', 'Licence Number', 'State', 'Issue Date', 'Expiry Date'];
export const LICENCE_XML_FIELDS = ['Action', 'User', 'LicenceTypeCode', 'LicenceTypeName', 'LicenceNumber', 'State', 'IssueDate', 'ExpiryDate'];

/** One row: action, user, type code, number, state, issued, expires (the type name is left empty). */
export type LicenceRow = [action: string, user: string, typeCode: string, number: string, state: string, issuedOn: string, expiresOn: string];

const cells = ([action, user, typeCode, number, state, issuedOn, expiresOn]: LicenceRow) => [action, user, typeCode, '', number, state, issuedOn, expiresOn];

export function licencesTxt(rows: LicenceRow[]): Buffer {
  return Buffer.from([LICENCE_HEADER, ...rows.map(cells)].map((line) => line.join('\t')).join('\r\n') + '\r\n', 'utf8');
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function licencesXml(rows: LicenceRow[]): Buffer {
  const records = rows.map((row) => {
    const values = cells(row);
    return `  <Licence>\n${LICENCE_XML_FIELDS.map((field, i) => `    <${field}>${escape(values[i])}</${field}>`).join('\n')}\n  </Licence>`;
  });
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Licences>\n${records.join('\n')}\n</Licences>\n`, 'utf8');
}
