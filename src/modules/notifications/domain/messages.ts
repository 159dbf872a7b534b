import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: {
    'NOTIFICATIONS.WELCOME_SUBJECT': 'Your account for {product}',
    'NOTIFICATIONS.WELCOME_BODY':
      'Hello {firstName},\n\nAn account was created for you in {product}.\nSign in at {url} with your email address {email}.\n\nThis is an automatic message.',
    'NOTIFICATIONS.PASSWORD_CHANGED_SUBJECT': 'Your password for {product} was changed',
    'NOTIFICATIONS.PASSWORD_CHANGED_BODY':
      'Hello {firstName},\n\nThe password of your account {email} in {product} was changed ({changedAt}). Every session and API token of yours has been ended; sign in again at {url}.\n\nIf you did not change it, contact your administrator at once.\n\nThis is an automatic message.',
    'NOTIFICATIONS.IMPORT_COMPLETED': 'Import of {fileName} finished: {succeeded} succeeded, {skipped} skipped.',
    'NOTIFICATIONS.IMPORT_COMPLETED_WITH_ERRORS': 'Import of {fileName} finished with errors: {succeeded} succeeded, {failed} failed, {skipped} skipped. Download the error file.',
    'NOTIFICATIONS.IMPORT_FAILED': 'Import of {fileName} failed; open it to see why.',
    'NOTIFICATIONS.IMPORT_CANCELLED': 'Import of {fileName} was cancelled after {succeeded} succeeded and {failed} failed rows.',
    'NOTIFICATIONS.IMPORT_EXPIRED': 'Import of {fileName} expired: it waited too long for its mapping or confirmation. Upload the file again.',
    'NOTIFICATIONS.NOTIFICATION_NOT_FOUND': 'Notification not found.',
  },
  nl: {
    'NOTIFICATIONS.WELCOME_SUBJECT': 'Je account voor {product}',
    'NOTIFICATIONS.WELCOME_BODY':
      'Hallo {firstName},\n\nEr is een account voor je aangemaakt in {product}.\nMeld je aan op {url} met je e-mailadres {email}.\n\nDit is een automatisch bericht.',
    'NOTIFICATIONS.PASSWORD_CHANGED_SUBJECT': 'Je wachtwoord voor {product} is gewijzigd',
    'NOTIFICATIONS.PASSWORD_CHANGED_BODY':
      'Hallo {firstName},\n\nHet wachtwoord van je account {email} in {product} is gewijzigd ({changedAt}). Al je sessies en API-tokens zijn beëindigd; meld je opnieuw aan op {url}.\n\nHeb je het niet zelf gewijzigd? Neem dan direct contact op met je beheerder.\n\nDit is een automatisch bericht.',
    'NOTIFICATIONS.IMPORT_COMPLETED': 'Import van {fileName} klaar: {succeeded} gelukt, {skipped} overgeslagen.',
    'NOTIFICATIONS.IMPORT_COMPLETED_WITH_ERRORS': 'Import van {fileName} klaar met fouten: {succeeded} gelukt, {failed} mislukt, {skipped} overgeslagen. Download het foutenbestand.',
    'NOTIFICATIONS.IMPORT_FAILED': 'Import van {fileName} is mislukt; open hem om te zien waarom.',
    'NOTIFICATIONS.IMPORT_CANCELLED': 'Import van {fileName} is geannuleerd na {succeeded} gelukte en {failed} mislukte rijen.',
    'NOTIFICATIONS.IMPORT_EXPIRED': 'Import van {fileName} is verlopen: hij wachtte te lang op de koppeling of bevestiging. Upload het bestand opnieuw.',
    'NOTIFICATIONS.NOTIFICATION_NOT_FOUND': 'Melding niet gevonden.',
  },
});

export const PRODUCT_NAME = 'Credential Import';
