import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';

/** A problem+json answer of the API (RFC 9457 plus a stable code), as far as a screen needs it. */
export interface Problem {
  status?: number;
  code?: string;
  detail?: string;
  title?: string;
  errors?: { field?: string; code: string; message: string }[];
}

/** The message to show for a failed call: the API's own (already in the user's language), else a fallback. */
export function problemText(error: unknown, fallback: string): string {
  if (error && typeof error === 'object') {
    const problem = error as Problem;
    const details = problem.errors?.map((e) => e.message).filter(Boolean) ?? [];
    const main = problem.detail || problem.title;
    if (main && details.length > 0 && !details.includes(main)) return `${main} ${details.join(' ')}`;
    if (main) return main;
    if (details.length > 0) return details.join(' ');
  }
  return fallback;
}

export function problemCode(error: unknown): string | undefined {
  return error && typeof error === 'object' ? (error as Problem).code : undefined;
}

/**
 * A calendar date (YYYY-MM-DD) as the locale writes it. Read and written in UTC so that the day never moves
 * with the browser's time zone.
 */
export function formatDay(value: string | null | undefined, locale: string): string {
  if (!value) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return value;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** A moment (ISO timestamp) in the user's locale and time zone. */
export function formatMoment(value: string | null | undefined, locale: string): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

export function formatBytes(size: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` on mount and whenever `key` changes; the answer of an older run never overwrites a newer one.
 * `load` resolves to the data or throws the problem.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const run = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const mine = ++run.current;
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current().then(
      (data) => {
        if (run.current === mine) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (run.current === mine) setState({ data: undefined, error, loading: false });
      },
    );
  }, [key, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Unwraps an openapi-fetch answer: the data, or throws the problem (with its HTTP status). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = (result.error && typeof result.error === 'object' ? result.error : {}) as Problem;
    throw { ...problem, status: result.response.status } satisfies Problem;
  }
  return result.data as T;
}

/** A notice for the user: polite status for successes, an alert for failures. */
export function Notice({ kind, children }: { kind: 'success' | 'error' | 'info'; children: ReactNode }) {
  if (kind === 'error') {
    return (
      <div className="w3-notice w3-notice-error" role="alert">
        {children}
      </div>
    );
  }
  return (
    <div className={`w3-notice w3-notice-${kind}`} role="status">
      {children}
    </div>
  );
}
