import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, problemText, setSessionToken, setUnauthorizedHandler } from './api';
import type { Me } from './permissions';

/**
 * The session: the access token from POST /api/auth/login lives in memory only (this module and the API
 * client), never in localStorage, sessionStorage or a cookie. A reload therefore asks to sign in again.
 * Who the user is and what they may do comes from GET /api/auth/me.
 */
export type SignedOutReason = 'signed-out' | 'expired' | undefined;

interface AuthValue {
  me: Me | undefined;
  signedOutReason: SignedOutReason;
  /** Resolves with an error text to show, or undefined once signed in. */
  signIn(email: string, password: string): Promise<string | undefined>;
  signOut(reason?: SignedOutReason): void;
}

const AuthContext = createContext<AuthValue | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me>();
  const [signedOutReason, setSignedOutReason] = useState<SignedOutReason>();

  const signOut = useCallback((reason: SignedOutReason = 'signed-out') => {
    setSessionToken(undefined);
    setMe(undefined);
    setSignedOutReason(reason);
  }, []);

  useEffect(() => setUnauthorizedHandler(() => signOut('expired')), [signOut]);

  const signIn = useCallback(async (email: string, password: string) => {
    const login = await api.POST('/api/auth/login', { body: { email, password } });
    if (!login.data) return problemText(login.error);
    setSessionToken(login.data.accessToken);
    const who = await api.GET('/api/auth/me');
    if (!who.data) {
      setSessionToken(undefined);
      return problemText(who.error);
    }
    setSignedOutReason(undefined);
    setMe(who.data);
    return undefined;
  }, []);

  const value = useMemo(() => ({ me, signedOutReason, signIn, signOut }), [me, signedOutReason, signIn, signOut]);
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
