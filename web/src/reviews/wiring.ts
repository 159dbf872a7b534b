/**
 * The only place where the W3 screens touch the app's foundation (W1: api client, auth, i18n, router).
 * Everything else in reviews/, people/ and notifications/ imports from here.
 * TEMPORARY: filled in when W1's "Web milestone 1" is merged.
 */
export {};
