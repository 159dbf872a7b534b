import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: {
    'OPS.DEAD_LETTER_ALREADY_RETRIED': 'Dead letter {id} was already retried; it shows up again if the retry fails.',
    'OPS.METRICS_REFUSED': 'Metrics need the metrics token (Authorization: Bearer <METRICS_TOKEN>).',
    'OPS.DASHBOARD_SESSION_REQUIRED': 'Open the queue dashboard through POST /api/ops/queue-dashboard/session first.',
  },
  nl: {
    'OPS.DEAD_LETTER_ALREADY_RETRIED': 'Dead letter {id} is al opnieuw aangeboden; hij verschijnt weer als die poging mislukt.',
    'OPS.METRICS_REFUSED': 'Metrics vragen het metrics-token (Authorization: Bearer <METRICS_TOKEN>).',
    'OPS.DASHBOARD_SESSION_REQUIRED': 'Open het wachtrijdashboard eerst via POST /api/ops/queue-dashboard/session.',
  },
});
