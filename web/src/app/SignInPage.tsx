import { useState, type FormEvent } from 'react';
import { useAuth } from './auth';
import { useMessages } from './i18n';
import { LanguageSwitch } from './LanguageSwitch';
import { shellMessages } from './messages';

export function SignInPage() {
  const t = useMessages(shellMessages);
  const { signIn, signedOutReason } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const problem = await signIn(email.trim(), password);
      if (problem) setError(problem);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <header className="signin-header">
        <span className="brand">{t('appName')}</span>
        <LanguageSwitch />
      </header>
      <main id="main" className="signin-main" tabIndex={-1}>
        <h1>{t('signInTitle')}</h1>
        {signedOutReason === 'expired' && <p className="notice" role="status">{t('sessionEnded')}</p>}
        {signedOutReason === 'signed-out' && <p className="notice" role="status">{t('signedOut')}</p>}
        <p>{t('signInIntro')}</p>
        <form onSubmit={submit} className="form" noValidate={false}>
          <label htmlFor="signin-email">{t('email')}</label>
          <input id="signin-email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor="signin-password">{t('password')}</label>
          <input id="signin-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('signingIn') : t('signIn')}
          </button>
        </form>
      </main>
    </div>
  );
}
