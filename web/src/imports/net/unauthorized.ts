/** The event by which the import screens' own requests (downloads, XHR uploads) tell the shell that the session ended. */
export const UNAUTHORIZED_EVENT = 'cit:unauthorized';

/** A request of ours was refused with 401: the shell asks for the password again (see app/api.ts). */
export function reportUnauthorized(): void {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
}
