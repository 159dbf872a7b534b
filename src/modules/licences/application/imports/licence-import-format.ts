import type { ImportColumn } from '#libs/contracts/imports/index.js';

/**
 * The licences import file, one definition for the import type, the export of available licences and
 * the instructions: the columns (tab-delimited .txt header = `header`), and the XML shape (root element
 * LICENCES_XML_ROOT, one LICENCES_XML_RECORD per licence, one child element per field, named as `xml`).
 */
export interface LicenceColumn extends ImportColumn {
  /** The child element of a record in the XML file. */
  xml: string;
}

export const LICENCES_XML_ROOT = 'Licences';
export const LICENCES_XML_RECORD = 'Licence';

const column = (c: Omit<LicenceColumn, 'aliases'> & { aliases?: string[] }): LicenceColumn => ({ ...c, aliases: [...(c.aliases ?? []), c.xml] });

export const LICENCE_COLUMNS: LicenceColumn[] = [
  column({
    key: 'action',
    header: 'Action',
    xml: 'Action',
    aliases: ['Actie'],
    mandatory: true,
    kind: 'text',
    maxLength: 20,
    note: 'Add (a new licence), Edit (change an existing one) or Delete (remove one). Edit and Delete find the licence by user + licence type + licence number (or user + type when the licence has no number). Add of a licence the user already has is an error: use Edit.',
  }),
  column({
    key: 'user',
    header: 'User',
    xml: 'User',
    aliases: ['User Code', 'Email', 'User Code or Email', 'Gebruiker', 'Gebruikerscode', 'E-mailadres'],
    mandatory: true,
    kind: 'text',
    maxLength: 254,
    note: "The user's code (linking code) or email address. Only users you manage can be named; others are reported as not found.",
  }),
  column({
    key: 'typeCode',
    header: 'Licence Type Code',
    xml: 'LicenceTypeCode',
    aliases: ['License Type Code', 'Licentietypecode', 'Licence Type', 'License Type'],
    mandatory: true,
    kind: 'text',
    maxLength: 64,
    note: 'Code of an active licence type, as in "Export available licences". Retired types accept only Delete.',
  }),
  column({
    key: 'typeName',
    header: 'Licence Type Name',
    xml: 'LicenceTypeName',
    aliases: ['License Type Name', 'Licentietype'],
    mandatory: false,
    kind: 'text',
    maxLength: 200,
    note: 'For your reference only (filled in by the export); ignored on import.',
  }),
  column({
    key: 'number',
    header: 'Licence Number',
    xml: 'LicenceNumber',
    aliases: ['License Number', 'Licentienummer', 'Number', 'Nummer'],
    mandatory: false,
    kind: 'text',
    maxLength: 100,
    note: 'Required when the licence type requires a number. Part of the key: Edit cannot change it (change it by hand, or Delete and Add).',
  }),
  column({
    key: 'jurisdiction',
    header: 'State',
    xml: 'State',
    aliases: ['Jurisdiction', 'State or Jurisdiction', 'Staat', 'Jurisdictie'],
    mandatory: false,
    kind: 'text',
    maxLength: 100,
    note: 'The state or jurisdiction of the licence. Edit: empty keeps the current value.',
  }),
  column({
    key: 'issuedOn',
    header: 'Issue Date',
    xml: 'IssueDate',
    aliases: ['Date Issued', 'Uitgiftedatum'],
    mandatory: false,
    kind: 'date',
    maxLength: 40,
    note: 'YYYY-MM-DD (dd-mm-yyyy is accepted too). Required for Add. Edit: empty keeps the current date.',
  }),
  column({
    key: 'expiresOn',
    header: 'Expiry Date',
    xml: 'ExpiryDate',
    aliases: ['Expiration Date', 'Date Expires', 'Vervaldatum'],
    mandatory: false,
    kind: 'date',
    maxLength: 40,
    note: "YYYY-MM-DD (dd-mm-yyyy is accepted too), not before the issue date. Add: empty means issue date + the type's default validity (no expiry when the type has none). Edit: empty keeps the current date.",
  }),
];

/** The import instructions, as plain text: in the XML export's comment and GET /api/licence-types/export/instructions. */
export function licenceImportInstructions(): string {
  const lines = [
    'Licences and certifications import: how to fill in this file',
    '',
    'Formats: tab-delimited text (.txt, UTF-8 or Windows-1252, first row = the column headers below) or XML (.xml, UTF-8).',
    `XML: a root element <${LICENCES_XML_ROOT}> with one <${LICENCES_XML_RECORD}> element per licence; each field is a child element`,
    'named as below (empty or left out: empty). No DOCTYPE and no entities other than &amp; &lt; &gt; &quot; &apos;: such files are refused.',
    '',
    'Columns (txt header / XML element): meaning',
    ...LICENCE_COLUMNS.map((c) => `- ${c.header} / <${c.xml}>${c.mandatory ? ' (mandatory)' : ''}: ${c.note}`),
    '',
    'Actions: Add, Edit, Delete (case-insensitive). Matching: the user by user code or email address; the licence by user +',
    'licence type code + licence number (case-insensitive), or by user + type when the licence has no number.',
    'Each licence at most once per file: every row of a licence given twice fails (change it in one row).',
    'Dates: YYYY-MM-DD, e.g. 2026-03-31.',
    '',
    'The upload checks the file only ("only validate the file", the default): it answers "likely to succeed" or "errors found",',
    'with a results file listing every row and its outcome (XLSX, CSV or tab-delimited text). Nothing is written.',
    'Upload the same file again with validateOnly=false to import it; a completed import can be undone.',
    'Every example row below is one active licence type: fill in User, Licence Number (where required) and Issue Date, and delete the rows you do not need.',
  ];
  // An XML comment may not hold "--".
  return lines.join('\n').replace(/--+/g, '-');
}
