import 'reflect-metadata';
import { ConfigError, loadConfig } from '#libs/config/app-config.js';
import { StartupError } from '#libs/runtime/startup-error.js';
import { startApplication } from './bootstrap.js';

/** A second signal this soon after the first is the same request delivered twice, not an impatient operator. */
const REPEATED_SIGNAL_MS = 2000;

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const running = await startApplication(config);
  process.stdout.write(`\n${running.banner.join('\n')}\n\n`);
  let closingSince: number | undefined;
  const shutdown = async (signal: string) => {
    if (closingSince !== undefined) {
      // One request often arrives twice at once: a terminal's Ctrl-C or `kill -- -pgid` reaches the whole
      // process group, and `npm start` passes the signal on as well. Only a later one means "now".
      if (Date.now() - closingSince < REPEATED_SIGNAL_MS) return;
      process.stderr.write(`${signal} received again during shutdown: exiting now\n`);
      process.exit(1);
    }
    closingSince = Date.now();
    const seconds = running.config.shutdownTimeoutMs / 1000;
    process.stdout.write(`${signal} received, shutting down (at most ${seconds} s)\n`);
    // The deadline: requests that do not finish, a queue that does not drain or a service that does
    // not stop must not keep a process alive that was told to end. Embedded services get their stop
    // signal from their exit hooks.
    setTimeout(() => {
      process.stderr.write(`Shutdown did not finish within ${seconds} s (SHUTDOWN_TIMEOUT_SECONDS): exiting anyway\n`);
      process.exit(1);
    }, running.config.shutdownTimeoutMs);
    try {
      await running.close();
    } catch (error) {
      process.stderr.write(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) {
    // One message and what to do about it; the cause's stack helps nobody who reads this.
    process.stderr.write(`Start-up failed: ${error.message}\nHint: ${error.hint}\n`);
  } else {
    process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
