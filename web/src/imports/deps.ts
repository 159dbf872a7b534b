/**
 * The one file of the import screens that knows the app's shell (W1's web/src/app): translation, the
 * signed-in user, the typed API client, the token for XHR/EventSource/downloads, and the router.
 * Replaced by the real wiring once the shell is merged.
 */
export {};
