import { useMe } from './auth';
import { useLocale, useMessages } from './i18n';
import { shellMessages } from './messages';
import { Link } from './router';
import { useNavRoutes } from './current-route';

/** The start page: what this user may do. */
export default function HomePage() {
  const t = useMessages(shellMessages);
  const me = useMe();
  const { language } = useLocale();
  const items = useNavRoutes();
  return (
    <>
      <h1>{t('homeTitle', { name: me.displayName })}</h1>
      {items.length > 0 ? (
        <>
          <p>{t('homeIntro')}</p>
          <ul className="cards">
            {items.map((route) => (
              <li key={route.path}>
                <Link to={route.path}>{route.nav![language]}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t('nothingAllowed')}</p>
      )}
    </>
  );
}
