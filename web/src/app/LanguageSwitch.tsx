import { LANGUAGES, useLocale, useMessages, type Language } from './i18n';
import { shellMessages } from './messages';

const NAMES: Record<Language, string> = { en: 'English', nl: 'Nederlands' };

/** The language switch: a labelled select, each language named in itself. */
export function LanguageSwitch() {
  const t = useMessages(shellMessages);
  const { language, setLanguage } = useLocale();
  return (
    <span className="language-switch">
      <label htmlFor="language-switch">{t('language')}</label>
      <select id="language-switch" value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {NAMES[code]}
          </option>
        ))}
      </select>
    </span>
  );
}
