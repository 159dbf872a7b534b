import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, endSession, problemText, setSessionToken, setUnauthorizedHandler } from './api';
import type { Me } from './permissions';

/**
 * The session: the access token from POST /api/auth/login lives in memory only (this module and the API
 * client), never in localStorage, sessionStorage or a cookie. A reload therefore asks to sign in again.
 * Who the user is and what they may do comes from GET /api/auth/me. Signing out also tells the API to refuse
 * the token from then on (POST /api/auth/logout).
 *
 * When the token expires (ACCESS_TOKEN_TTL_SECONDS) or the API refuses it (401: password changed elsewhere,
 * session revoked), the session is `expired`: the shell keeps the current screen and asks for the password
 * again in a dialog (`resume`), so an admin in the middle of an import loses nothing.
 */
export type SignedOutReason = 'signed-out' | 'expired' | undefined;

interface AuthValue {
  me: Me | undefined;
  /** Signed in, but the token no longer works: ask for the password again (same user). */
  expired: boolean;
  signedOutReason: SignedOutReason;
  /** Resolves with an error text to show, or undefined once signed in. */
  signIn(email: string, password: string): Promise<string | undefined>;
  /** Signs the same user in again after `expired`; resolves with an error text, or undefined. */
  resume(password: string): Promise<string | undefined>;
  signOut(reason?: SignedOutReason): void;
}

const AuthContext = createContext<AuthValue | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me>();
  const [expiresAt, setExpiresAt] = useState<number>();
  const [expired, setExpired] = useState(false);
  const [signedOutReason, setSignedOutReason] = useState<SignedOutReason>();

  const signOut = useCallback((reason: SignedOutReason = 'signed-out') => {
    endSession();
    setMe(undefined);
    setExpired(false);
    setExpiresAt(undefined);
    setSignedOutReason(reason);
  }, []);

  const expire = useCallback(() => {
    setSessionToken(undefined);
    setExpired(true);
  }, []);

  useEffect(() => setUnauthorizedHandler(expire), [expire]);

  // Ask before a request fails: at the token's expiry, the dialog opens by itself.
  useEffect(() => {
    if (!me || expired || expiresAt === undefined) return;
    const timer = setTimeout(expire, Math.max(0, expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [me, expired, expiresAt, expire]);

  /** Logs in and loads who the token belongs to; undefined on success, else the text to show. */
  const authenticate = useCallback(async (email: string, password: string): Promise<{ me?: Me; expiresAt?: number; error?: string }> => {
    const startedAt = Date.now();
    const login = await api.POST('/api/auth/login', { body: { email, password } });
    if (!login.data) return { error: problemText(login.error) };
    setSessionToken(login.data.accessToken);
    const who = await api.GET('/api/auth/me');
    if (!who.data) {
      setSessionToken(undefined);
      return { error: problemText(who.error) };
    }
    // From the lifetime the server gives, not its clock time: a browser whose clock is off would otherwise
    // see the session end at once (or far too late).
    return { me: who.data, expiresAt: startedAt + login.data.expiresIn * 1000 };
  }, []);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const result = await authenticate(email, password);
      if (result.error) return result.error;
      setSignedOutReason(undefined);
      setExpired(false);
      setExpiresAt(result.expiresAt);
      setMe(result.me);
      return undefined;
    },
    [authenticate],
  );

  const resume = useCallback(
    async (password: string) => {
      if (!me) return 'not signed in';
      const result = await authenticate(me.email, password);
      if (result.error) return result.error;
      // Same user, possibly with other permissions now.
      setExpiresAt(result.expiresAt);
      setMe(result.me);
      setExpired(false);
      return undefined;
    },
    [authenticate, me],
  );

  const value = useMemo(() => ({ me, expired, signedOutReason, signIn, resume, signOut }), [me, expired, signedOutReason, signIn, resume, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in user (screens are only rendered while signed in). */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe while signed out');
  return me;
}
