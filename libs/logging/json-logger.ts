import type { LoggerService } from '@nestjs/common';
import { redactValue } from './redact.js';
import { requestContext } from './request-context.js';

const LEVELS = { debug: 10, verbose: 10, info: 20, log: 20, warn: 30, error: 40, fatal: 50, silent: 100 } as const;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * One JSON object per line on stdout, with the request id of the HTTP request (or job) that is running.
 * Used as Nest's logger, so framework messages come out in the same shape. Every entry is redacted
 * (libs/logging/redact.ts) before it is written.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly minimum: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  log(message: unknown, ...rest: unknown[]) {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.emit('error', message, rest);
  }

  private emit(level: keyof typeof LEVELS, message: unknown, rest: unknown[]) {
    if (LEVELS[level] < LEVELS[this.minimum]) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, context };
    const request = requestContext.current();
    if (request) entry.requestId = request.requestId;
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    for (const extra of rest) {
      if (typeof extra === 'string' && level === 'error') entry.stack = extra;
      else if (extra instanceof Error) entry.stack = extra.stack;
      else if (extra !== undefined) entry.extra = extra;
    }
    // Nothing secret leaves the process through a log line: tokens, passwords, SQL values.
    this.write(JSON.stringify(redactValue(entry)));
  }
}
