import { registerMessages } from '#libs/i18n/i18n.js';

// Registered after ./messages.js (see users.module.ts): the reset-link message below replaces the
// "not available yet" text there, now that reset links exist.
registerMessages({
  en: {
    'USERS.PASSWORD_RESET_LINK_REQUIRED':
      "Admins do not set other users' passwords; users set theirs through the one-time link in their welcome mail, or ask for a reset link (POST /api/auth/password-reset).",
    'USERS.PASSWORD_LINK_DEAD': 'This link no longer works.',
    'USERS.EMAIL_CHANGE_NEEDS_OWNER':
      'Only the user can change the email address of an account that has a password: reset links go to it. Ask them to change it themselves.',
    'USERS.PASSWORD_CONFIRMATION_MISMATCH': 'The two passwords are not the same.',
    'USERS.PASSWORD_TOO_LONG': 'A password has at most {max} characters.',
    'USERS.PASSWORD_RESET_THROTTLED': 'Too many password reset requests. Try again in {retryAfterSeconds} seconds.',
    'USERS.PASSWORD_PAGE.TITLE': 'Set your password',
    'USERS.PASSWORD_PAGE.INTRO': 'Choose a password of at least {min} characters.',
    'USERS.PASSWORD_PAGE.PASSWORD': 'New password',
    'USERS.PASSWORD_PAGE.CONFIRMATION': 'Repeat the password',
    'USERS.PASSWORD_PAGE.SUBMIT': 'Set password',
    'USERS.PASSWORD_PAGE.DONE_TITLE': 'Your password is set',
    'USERS.PASSWORD_PAGE.DONE_TEXT': 'You can now sign in with your email address and this password. Any earlier sessions have been signed out.',
    'USERS.PASSWORD_PAGE.DEAD_TITLE': 'This link no longer works',
    'USERS.PASSWORD_PAGE.DEAD_TEXT':
      'The link has expired, has been used already, or a newer link was sent. Ask for a new one below: if the address belongs to an account, we mail it a new link. You can also ask your administrator.',
    'USERS.PASSWORD_PAGE.EMAIL': 'Email address',
    'USERS.PASSWORD_PAGE.REQUEST': 'Send me a new link',
    'USERS.PASSWORD_PAGE.REQUESTED_TITLE': 'Check your mail',
    'USERS.PASSWORD_PAGE.REQUESTED_TEXT':
      'If this address belongs to an account, a mail with a new link is on its way. The link works for a limited time and only once.',
    'USERS.PASSWORD_PAGE.TOO_MANY': 'Too many requests from your address. Try again in a few minutes.',
  },
  nl: {
    'USERS.PASSWORD_RESET_LINK_REQUIRED':
      'Beheerders stellen geen wachtwoorden van anderen in; gebruikers stellen het hunne in via de eenmalige link in hun welkomstmail, of vragen een resetlink aan (POST /api/auth/password-reset).',
    'USERS.PASSWORD_LINK_DEAD': 'Deze link werkt niet meer.',
    'USERS.EMAIL_CHANGE_NEEDS_OWNER':
      'Alleen de gebruiker zelf kan het e-mailadres wijzigen van een account met een wachtwoord: resetlinks gaan naar dat adres. Vraag de gebruiker het zelf te wijzigen.',
    'USERS.PASSWORD_CONFIRMATION_MISMATCH': 'De twee wachtwoorden zijn niet gelijk.',
    'USERS.PASSWORD_TOO_LONG': 'Een wachtwoord heeft hoogstens {max} tekens.',
    'USERS.PASSWORD_RESET_THROTTLED': 'Te veel aanvragen om het wachtwoord opnieuw in te stellen. Probeer het over {retryAfterSeconds} seconden opnieuw.',
    'USERS.PASSWORD_PAGE.TITLE': 'Stel je wachtwoord in',
    'USERS.PASSWORD_PAGE.INTRO': 'Kies een wachtwoord van minstens {min} tekens.',
    'USERS.PASSWORD_PAGE.PASSWORD': 'Nieuw wachtwoord',
    'USERS.PASSWORD_PAGE.CONFIRMATION': 'Herhaal het wachtwoord',
    'USERS.PASSWORD_PAGE.SUBMIT': 'Wachtwoord instellen',
    'USERS.PASSWORD_PAGE.DONE_TITLE': 'Je wachtwoord is ingesteld',
    'USERS.PASSWORD_PAGE.DONE_TEXT': 'Je kunt nu inloggen met je e-mailadres en dit wachtwoord. Eerdere sessies zijn afgemeld.',
    'USERS.PASSWORD_PAGE.DEAD_TITLE': 'Deze link werkt niet meer',
    'USERS.PASSWORD_PAGE.DEAD_TEXT':
      'De link is verlopen, al gebruikt, of er is een nieuwere link verstuurd. Vraag hieronder een nieuwe aan: als het adres bij een account hoort, mailen we er een nieuwe link naartoe. Je kunt het ook aan je beheerder vragen.',
    'USERS.PASSWORD_PAGE.EMAIL': 'E-mailadres',
    'USERS.PASSWORD_PAGE.REQUEST': 'Stuur me een nieuwe link',
    'USERS.PASSWORD_PAGE.REQUESTED_TITLE': 'Kijk in je mail',
    'USERS.PASSWORD_PAGE.REQUESTED_TEXT':
      'Als dit adres bij een account hoort, is er een mail met een nieuwe link onderweg. De link werkt een beperkte tijd en maar één keer.',
    'USERS.PASSWORD_PAGE.TOO_MANY': 'Te veel aanvragen vanaf jouw adres. Probeer het over een paar minuten opnieuw.',
  },
});
