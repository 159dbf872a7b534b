import { registerMessages } from '../../../../libs/i18n/i18n.js';

registerMessages({
  en: {
    'NOTIFICATIONS.WELCOME_SUBJECT': 'Your account for {product}',
    'NOTIFICATIONS.WELCOME_BODY':
      'Hello {firstName},\n\nAn account was created for you in {product}.\nSign in at {url} with your email address {email}.\n\nThis is an automatic message.',
  },
  nl: {
    'NOTIFICATIONS.WELCOME_SUBJECT': 'Je account voor {product}',
    'NOTIFICATIONS.WELCOME_BODY':
      'Hallo {firstName},\n\nEr is een account voor je aangemaakt in {product}.\nMeld je aan op {url} met je e-mailadres {email}.\n\nDit is een automatisch bericht.',
  },
});

export const PRODUCT_NAME = 'Credential Import';
