import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useAuth, useMe } from './auth';
import { useMessages } from './i18n';
import { shellMessages } from './messages';

/**
 * A modal dialog (native <dialog>: focus stays inside, the page behind is inert) asking the same user's password
 * again when the session expired, over the screen they were on, which keeps its state.
 */
export function ResumeSessionDialog() {
  const t = useMessages(shellMessages);
  const me = useMe();
  const { resume, signOut } = useAuth();
  const dialog = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  /** Set when the dialog goes away because the session resumed or ended (unmount), not because of Escape. */
  const closing = useRef(false);

  useEffect(() => {
    const element = dialog.current;
    closing.current = false;
    if (element && !element.open) element.showModal();
    return () => {
      closing.current = true;
      element?.close();
    };
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const problem = await resume(password);
      if (problem) setError(problem);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    // Escape would close the dialog and leave a signed-out page behind it: it is refused; "Sign out" is the way out.
    // A browser lets a page refuse Escape only once per user activation: if the dialog closes anyway while the
    // session is still ended, it opens again at once.
    <dialog
      ref={dialog}
      className="resume-dialog"
      aria-labelledby="resume-title"
      onCancel={(event) => event.preventDefault()}
      onClose={() => {
        if (closing.current) return;
        dialog.current?.showModal();
      }}
    >
      <form onSubmit={submit} className="form">
        <h2 id="resume-title">{t('resumeTitle')}</h2>
        <p>{t('resumeIntro', { email: me.email })}</p>
        <label htmlFor="resume-password">{t('password')}</label>
        <input id="resume-password" type="password" autoComplete="current-password" required autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('signingIn') : t('resumeContinue')}
          </button>
          <button type="button" onClick={() => signOut('signed-out')}>
            {t('signOut')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
