import { booleanSetting, choiceSetting, integerSetting } from '#libs/settings/platform-settings.js';

/** The platform settings of external certificates (GET/PUT /api/settings; every change is audited). */
export const ExternalCertificateSettings = {
  enabled: booleanSetting('external-certificates.enabled', 'Users may upload certificates they earned elsewhere (external certificates).', true),
  validationRequired: booleanSetting(
    'external-certificates.validation-required',
    'An uploaded external certificate waits for a reviewer to validate or reject it; off: it is recorded as uploaded.',
    true,
  ),
  reviewerType: choiceSetting(
    'external-certificates.reviewer-type',
    'Who reviews: managers (a learner without a manager or coach goes to a group admin), or group-admins.',
    ['managers', 'group-admins'] as const,
    'managers',
  ),
  credits: booleanSetting('external-certificates.credits', 'External certificates can carry credits, which count in the user’s credit totals once validated.', false),
  reminderDays: integerSetting(
    'external-certificates.reminder-days',
    'Days a review may wait before its reviewer is reminded (once); after twice as many, the fallback reviewer is told (once).',
    { min: 1, max: 365 },
    7,
  ),
} as const;
