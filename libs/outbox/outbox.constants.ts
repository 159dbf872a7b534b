export const INTEGRATION_EVENTS_QUEUE = 'integration-events';
