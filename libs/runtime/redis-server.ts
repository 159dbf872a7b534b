import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { findFreePort, redisAnswersPing } from './free-port.js';

export interface RunningRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * Finds a Redis to use when REDIS_URL is not set: the one on 127.0.0.1:6379 if it answers PING,
 * else a `redis-server` from PATH started on a free port with its files in `dir`.
 */
export async function findOrStartRedis(dir: string, log: (message: string) => void): Promise<RunningRedis> {
  if (await redisAnswersPing('127.0.0.1', 6379)) {
    return { url: 'redis://127.0.0.1:6379', stop: async () => {} };
  }
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const binary = which.stdout.trim();
  if (!binary) {
    throw new Error(
      'No Redis answers on 127.0.0.1:6379 and redis-server is not installed. Install it ' +
        '(Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL.',
    );
  }
  mkdirSync(dir, { recursive: true });
  const port = await findFreePort();
  log(`starting redis-server on port ${port} (${dir})`);
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  // A binary that cannot be executed reports here; without a listener it would crash the process.
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
    log(`redis-server: ${error.message}`);
  });
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswersPing('127.0.0.1', port))) {
    if (spawnError) throw new Error(`${binary} could not run: ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before answering`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not answer within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      process.off('exit', stopOnExit);
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
