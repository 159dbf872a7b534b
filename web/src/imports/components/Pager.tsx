import { useImportsEnv } from '../env';

export function Pager({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage(page: number): void }) {
  const { t } = useImportsEnv();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <nav className="imp-pager" aria-label={t('imports.rows.page', { page, pages })}>
      <button type="button" className="imp-button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('imports.rows.previous')}
      </button>
      <span aria-current="page">{t('imports.rows.page', { page, pages })}</span>
      <button type="button" className="imp-button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('imports.rows.next')}
      </button>
    </nav>
  );
}
