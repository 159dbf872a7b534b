import { redactText } from '#libs/logging/redact.js';

export interface CheckResult {
  status: 'up' | 'down';
  latencyMs?: number;
  /** A stable reason code when down; the details go to the log, never into the response. */
  reason?: 'TIMEOUT' | 'UNREACHABLE' | 'ERROR';
}

/** Runs one readiness probe with a 2 s limit; returns up/down and a reason code, logs the detail redacted. */
export async function probe(name: string, run: () => Promise<unknown>, log: (entry: object) => void, timeoutMs = 2000): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeout()), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const reason = error instanceof ProbeTimeout ? 'TIMEOUT' : isConnectionError(error) ? 'UNREACHABLE' : 'ERROR';
    log({ msg: 'readiness check failed', check: name, reason, error: redactText(String((error as Error)?.message ?? error)) });
    return { status: 'down', reason };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

class ProbeTimeout extends Error {}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  const message = String((error as Error)?.message ?? '');
  return /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|57P0[123]|08\d{3})$/.test(code) ||
    /Connection is closed|connect ECONNREFUSED|Connection terminated/i.test(message);
}
