import { registerMessages } from '#libs/i18n/i18n.js';

/** Messages of the credential-update import (options, row rules, warnings, the credit check, undo). */
export const CREDENTIAL_IMPORT_MESSAGES = {
  en: {
    'CREDENTIALS.IMPORT_NO_MATCH_VALUE': 'Nothing to match this row with: fill in one of {columns}.',
    'CREDENTIALS.IMPORT_CREDENTIAL_ID_INVALID': '{column}: "{value}" is not a credential id.',
    'CREDENTIALS.IMPORT_NO_MATCH': '{column}: no credential in this group matches "{value}".',
    'CREDENTIALS.IMPORT_OTHER_GROUP': '{column}: "{value}" is a credential of the group {group}, not of this one. Update that group separately.',
    'CREDENTIALS.IMPORT_AMBIGUOUS_MATCH': '{column}: "{value}" matches {count} credentials in this group ({candidates}); add the Credential ID or Recipient ID column to say which one.',
    'CREDENTIALS.IMPORT_CREDENTIAL_REVOKED': '{column}: the credential "{value}" has been revoked and cannot be updated.',
    'CREDENTIALS.IMPORT_DATE_NOT_IN_FORMAT': '{column}: "{value}" is not a date in the format {format}. Check the date format you chose.',
    'CREDENTIALS.IMPORT_DATE_AMBIGUOUS': '{column}: "{value}" can be read as day-month or as month-day; choose the date format dd-mm-yyyy or mm/dd/yyyy.',
    'CREDENTIALS.IMPORT_DATE_NO_SUCH_DAY': '{column}: "{value}" is not an existing day in the format {format}. Check the date format you chose.',
    'CREDENTIALS.IMPORT_SAME_CREDENTIAL_TWICE': 'The credential {credential} is also updated by row(s) {rows}; update each credential in one row only.',
    'CREDENTIALS.IMPORT_NOTHING_CHANGES': 'Nothing changes: the credential already holds these values.',
    'CREDENTIALS.OVERWRITES_CORRECTED_NAME': 'The recipient corrected their name to "{old}" themselves; this row overwrites it with "{new}".',
    'CREDENTIALS.EMAIL_CHANGE': 'The recipient email changes from {old} to {new}; the recipient was contacted at the old address.',
    'CREDENTIALS.IMPORT_RENEWAL': 'Renewal: the credential expired on {previous} and now expires on {expiresOn}; this costs 1 credit.',
    'CREDENTIALS.IMPORT_NOT_ENOUGH_CREDITS': '{renewals} renewals need {credits} credits; the balance is {balance}. Top up the credits, or remove renewals from the file.',
    'CREDENTIALS.IMPORT_CREDITS_EXHAUSTED': 'This renewal needs 1 credit, and none are left (the balance went down since the import was confirmed).',
    'CREDENTIALS.IMPORT_CHANGED_MEANWHILE': 'The credential was changed by someone else (the recipient, or an admin) after this row was checked; it was not updated. Upload the row again to see and confirm what it changes now.',
    'CREDENTIALS.IMPORT_RENEWAL_CHANGED': 'Whether this row renews the credential changed since it was checked (its expiry date passed meanwhile), so what was confirmed is not what it would do now; it was not updated. Upload the row again.',
    'CREDENTIALS.IMPORT_WARNING_NOT_ACKNOWLEDGED': 'This row now needs a confirmation that was not given ({codes}); it was not updated. Upload the row again and confirm it.',
  },
  nl: {
    'CREDENTIALS.IMPORT_NO_MATCH_VALUE': 'Niets om deze rij mee te koppelen: vul een van {columns} in.',
    'CREDENTIALS.IMPORT_CREDENTIAL_ID_INVALID': '{column}: "{value}" is geen credential-id.',
    'CREDENTIALS.IMPORT_NO_MATCH': '{column}: geen credential in deze groep past bij "{value}".',
    'CREDENTIALS.IMPORT_OTHER_GROUP': '{column}: "{value}" is een credential van de groep {group}, niet van deze. Werk die groep apart bij.',
    'CREDENTIALS.IMPORT_AMBIGUOUS_MATCH': '{column}: "{value}" past bij {count} credentials in deze groep ({candidates}); voeg de kolom Credential-ID of Ontvanger-ID toe om te zeggen welke.',
    'CREDENTIALS.IMPORT_CREDENTIAL_REVOKED': '{column}: de credential "{value}" is ingetrokken en kan niet worden bijgewerkt.',
    'CREDENTIALS.IMPORT_DATE_NOT_IN_FORMAT': '{column}: "{value}" is geen datum in het formaat {format}. Controleer het gekozen datumformaat.',
    'CREDENTIALS.IMPORT_DATE_AMBIGUOUS': '{column}: "{value}" kan als dag-maand of als maand-dag worden gelezen; kies het datumformaat dd-mm-yyyy of mm/dd/yyyy.',
    'CREDENTIALS.IMPORT_DATE_NO_SUCH_DAY': '{column}: "{value}" is geen bestaande dag in het formaat {format}. Controleer het gekozen datumformaat.',
    'CREDENTIALS.IMPORT_SAME_CREDENTIAL_TWICE': 'De credential {credential} wordt ook bijgewerkt door rij(en) {rows}; werk elke credential in één rij bij.',
    'CREDENTIALS.IMPORT_NOTHING_CHANGES': 'Er verandert niets: de credential heeft deze waarden al.',
    'CREDENTIALS.OVERWRITES_CORRECTED_NAME': 'De ontvanger heeft de eigen naam zelf verbeterd tot "{old}"; deze rij overschrijft die met "{new}".',
    'CREDENTIALS.EMAIL_CHANGE': 'Het e-mailadres van de ontvanger verandert van {old} in {new}; de ontvanger is op het oude adres benaderd.',
    'CREDENTIALS.IMPORT_RENEWAL': 'Verlenging: de credential verliep op {previous} en verloopt nu op {expiresOn}; dit kost 1 credit.',
    'CREDENTIALS.IMPORT_NOT_ENOUGH_CREDITS': '{renewals} verlengingen hebben {credits} credits nodig; het saldo is {balance}. Waardeer de credits op, of haal verlengingen uit het bestand.',
    'CREDENTIALS.IMPORT_CREDITS_EXHAUSTED': 'Deze verlenging kost 1 credit en er zijn er geen meer (het saldo is gedaald sinds de import werd bevestigd).',
    'CREDENTIALS.IMPORT_CHANGED_MEANWHILE': 'De credential is door iemand anders (de ontvanger of een beheerder) gewijzigd nadat deze rij werd gecontroleerd; hij is niet bijgewerkt. Upload de rij opnieuw om te zien en te bevestigen wat hij nu wijzigt.',
    'CREDENTIALS.IMPORT_RENEWAL_CHANGED': 'Of deze rij de credential verlengt, is veranderd sinds de controle (de vervaldatum is intussen verstreken), dus wat bevestigd is, is niet wat hij nu zou doen; hij is niet bijgewerkt. Upload de rij opnieuw.',
    'CREDENTIALS.IMPORT_WARNING_NOT_ACKNOWLEDGED': 'Deze rij vraagt nu een bevestiging die niet is gegeven ({codes}); hij is niet bijgewerkt. Upload de rij opnieuw en bevestig hem.',
  },
};

registerMessages(CREDENTIAL_IMPORT_MESSAGES);
