import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: {
    'NOTIFICATIONS.IMPORT_COMPLETED': 'Import of {fileName} finished: {succeeded} succeeded, {skipped} skipped.',
    'NOTIFICATIONS.IMPORT_COMPLETED_WITH_ERRORS': 'Import of {fileName} finished with errors: {succeeded} succeeded, {failed} failed, {skipped} skipped. Download the error file.',
    'NOTIFICATIONS.IMPORT_FAILED': 'Import of {fileName} failed; open it to see why.',
    'NOTIFICATIONS.IMPORT_CANCELLED': 'Import of {fileName} was cancelled after {succeeded} succeeded and {failed} failed rows.',
    'NOTIFICATIONS.IMPORT_EXPIRED': 'Import of {fileName} expired: it waited too long for its mapping or confirmation. Upload the file again.',
    'NOTIFICATIONS.NOTIFICATION_NOT_FOUND': 'Notification not found.',
    'NOTIFICATIONS.REVIEW_REQUESTED': '{learnerName} asks you to validate the certificate “{name}”.',
    'NOTIFICATIONS.REVIEW_HANDED_OVER': 'The review of “{name}” of {learnerName} was handed to you.',
  },
  nl: {
    'NOTIFICATIONS.IMPORT_COMPLETED': 'Import van {fileName} klaar: {succeeded} gelukt, {skipped} overgeslagen.',
    'NOTIFICATIONS.IMPORT_COMPLETED_WITH_ERRORS': 'Import van {fileName} klaar met fouten: {succeeded} gelukt, {failed} mislukt, {skipped} overgeslagen. Download het foutenbestand.',
    'NOTIFICATIONS.IMPORT_FAILED': 'Import van {fileName} is mislukt; open hem om te zien waarom.',
    'NOTIFICATIONS.IMPORT_CANCELLED': 'Import van {fileName} is geannuleerd na {succeeded} gelukte en {failed} mislukte rijen.',
    'NOTIFICATIONS.IMPORT_EXPIRED': 'Import van {fileName} is verlopen: hij wachtte te lang op de koppeling of bevestiging. Upload het bestand opnieuw.',
    'NOTIFICATIONS.NOTIFICATION_NOT_FOUND': 'Melding niet gevonden.',
    'NOTIFICATIONS.REVIEW_REQUESTED': '{learnerName} vraagt je het certificaat „{name}” te valideren.',
    'NOTIFICATIONS.REVIEW_HANDED_OVER': 'De beoordeling van „{name}” van {learnerName} is aan jou overgedragen.',
  },
});

export const PRODUCT_NAME = 'Credential Import';
