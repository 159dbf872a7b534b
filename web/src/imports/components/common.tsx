import type { MouseEvent, ReactNode } from 'react';
import { useImportsEnv } from '../env';
import type { Problem } from '../model/problems';
import type { ImportCounts } from '../types';
import type { ImportsMessageKey } from '../messages';

/** A link inside the app: a real href (open in a new tab works), navigated on the client. */
export function AppLink({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const { navigate } = useImportsEnv();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className}>
      {children}
    </a>
  );
}

/** A labelled progress bar (role=progressbar with its value), with the text next to it. */
export function ProgressBar({ label, percent, text, id }: { label: string; percent: number; text?: string; id: string }) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div className="imp-progress">
      <div className="imp-progress__label" id={`${id}-label`}>
        {label}
      </div>
      <div
        className="imp-progress__track"
        role="progressbar"
        aria-labelledby={`${id}-label`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-valuetext={text ? `${value} % — ${text}` : `${value} %`}
        data-testid={id}
      >
        <div className="imp-progress__bar" style={{ width: `${value}%` }} />
      </div>
      <div className="imp-progress__text">
        <span className="imp-progress__percent">{value} %</span>
        {text ? <span> · {text}</span> : null}
      </div>
    </div>
  );
}

const STATUS_TONE: Record<string, string> = {
  completed: 'ok',
  completed_with_errors: 'warn',
  failed: 'bad',
  cancelled: 'muted',
  expired: 'muted',
  awaiting_mapping: 'action',
  awaiting_confirmation: 'action',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useImportsEnv();
  return <span className={`imp-badge imp-badge--${STATUS_TONE[status] ?? 'busy'}`}>{t(`imports.status.${status}` as ImportsMessageKey)}</span>;
}

/** The API's refusal, with the details it names. */
export function ProblemMessage({ title, problem, extra }: { title: string; problem: Problem; extra?: ReactNode }) {
  const details = (problem.errors ?? []).map((error) => error.message).filter((message) => message !== problem.message);
  return (
    <div className="imp-alert imp-alert--error" role="alert">
      <p className="imp-alert__title">
        <strong>{title}</strong> <span className="imp-code">({problem.status ? `${problem.status} ` : ''}{problem.code})</span>
      </p>
      <p>{problem.message}</p>
      {details.length > 0 ? (
        <ul>
          {details.map((message, index) => (
            <li key={index}>{message}</li>
          ))}
        </ul>
      ) : null}
      {extra}
    </div>
  );
}

const COUNT_KEYS: (keyof ImportCounts)[] = ['total', 'valid', 'succeeded', 'failed', 'skipped', 'withWarnings'];

export function Counts({ counts, keys = COUNT_KEYS }: { counts: ImportCounts; keys?: (keyof ImportCounts)[] }) {
  const { t, locale } = useImportsEnv();
  return (
    <dl className="imp-counts">
      {keys.map((key) => (
        <div key={key} className={`imp-counts__item imp-counts__item--${key}`} data-count={key}>
          <dt>{t(`imports.counts.${key}` as ImportsMessageKey)}</dt>
          <dd>{new Intl.NumberFormat(locale).format(counts[key])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Turns a rejected call into a Problem for the screen (calls reject with one; anything else is wrapped). */
export function asProblem(error: unknown): Problem {
  if (error && typeof error === 'object' && 'code' in error && 'status' in error) return error as Problem;
  return { status: 0, code: 'CLIENT', message: error instanceof Error ? error.message : String(error) };
}

/** A wide table's own scrolling box: a labelled region that the keyboard can reach and scroll (WCAG 2.1.1). */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="imp-table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
