import { useCallback, useEffect, useState } from 'react';
import { setRequestLanguage } from './api';
import { AuthProvider, useAuth } from './auth';
import { asLanguage, browserLanguage, LocaleProvider, type Language } from './i18n';
import { Shell } from './Shell';
import { SignInPage } from './SignInPage';

/**
 * The language: the browser's until someone signs in, then the user's own (me.language); the switch
 * overrides either for this session.
 */
export function App() {
  const [language, setLanguageState] = useState<Language>(browserLanguage);
  const setLanguage = useCallback((next: Language) => setLanguageState(next), []);
  useEffect(() => {
    document.documentElement.lang = language;
    setRequestLanguage(language);
  }, [language]);
  // Before children render: the first API calls already carry the right Accept-Language.
  setRequestLanguage(language);
  return (
    <LocaleProvider language={language} setLanguage={setLanguage}>
      <AuthProvider>
        <Screens setLanguage={setLanguage} />
      </AuthProvider>
    </LocaleProvider>
  );
}

function Screens({ setLanguage }: { setLanguage: (language: Language) => void }) {
  const { me } = useAuth();
  const userId = me?.userId;
  const userLanguage = asLanguage(me?.language);
  // On sign-in (a new user), switch to that user's own language.
  useEffect(() => {
    if (userId && userLanguage) setLanguage(userLanguage);
  }, [userId, userLanguage, setLanguage]);
  return me ? <Shell /> : <SignInPage />;
}
