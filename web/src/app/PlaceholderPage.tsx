import { shellMessages } from './messages';
import { useCurrentRoute } from './current-route';
import { useLocale, useMessages } from './i18n';

/** Stands in for a screen that is not built yet. */
export default function PlaceholderPage() {
  const t = useMessages(shellMessages);
  const { language } = useLocale();
  const route = useCurrentRoute();
  return (
    <>
      <h1>{route?.title[language]}</h1>
      <p>{t('placeholder')}</p>
    </>
  );
}
