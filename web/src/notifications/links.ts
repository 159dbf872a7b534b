/** The app screen for a notification's API link (the notices link to the API resource); null when none fits. */
export function appLinkOf(link: string | null): string | null {
  if (!link) return null;
  const path = link.replace(/^https?:\/\/[^/]+/, '');
  const importMatch = /^\/api\/imports\/([0-9a-f-]{36})(?:\/rows)?$/i.exec(path);
  if (importMatch) return `/admin/imports/${importMatch[1]}`;
  const reviewMatch = /^\/api\/external-certificates\/([0-9a-f-]{36})$/i.exec(path);
  if (reviewMatch) return `/admin/reviews/${reviewMatch[1]}`;
  return path.startsWith('/admin/') ? path : null;
}
