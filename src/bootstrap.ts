import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '#libs/config/app-config.js';
import { ProblemDetailsFilter } from '#libs/http/problem-details.filter.js';
import { formBodiesOnlyUnder } from '#libs/http/form-bodies.js';
import { createValidationPipe } from '#libs/http/validation.js';
import { securityHeaders } from '#libs/http/security-headers.js';
import { JsonLogger } from '#libs/logging/json-logger.js';
import { httpMetrics } from '#libs/metrics/http-metrics.middleware.js';
import { provisionServices, type ProvisionedServices } from '#libs/runtime/provision.js';
import { installationQueuePrefix } from '#libs/runtime/queue-prefix.js';
import { AppModule } from './app.module.js';
import { runMigrations } from './database/migrate.js';
import { createOpenApiDocument } from './platform/openapi.js';
import { DemoDataRunner } from './platform/demo-data.runner.js';
import { mountAdminAppHeaders, ADMIN_APP_PATH } from './platform/web/admin-app.js';
import { mountQueueDashboard } from './platform/ops/queue-dashboard.js';
import { WorkerHealthServer } from './platform/ops/worker-health.server.js';
import { lowerProcessPriority } from '#libs/runtime/process-priority.js';

export interface RunningApplication {
  app: INestApplication;
  config: AppConfig;
  services: ProvisionedServices;
  /** Lines worth printing: where things are, how to sign in. */
  banner: string[];
  /** Base URL the HTTP server listens on (undefined for a worker). */
  url?: string;
  close(): Promise<void>;
}

/**
 * Boots one process in its role: provisions missing services, migrates, starts Nest, listens (api/all),
 * consumes queues (worker/all) and seeds demo data on the first start of an empty installation.
 */
export async function startApplication(config: AppConfig, logger = new JsonLogger(config.logLevel)): Promise<RunningApplication> {
  const started = Date.now();
  // Before anything starts its threads; the ones started later inherit it.
  const priority = config.role === 'worker' ? lowerProcessPriority(config.workerNice) : undefined;
  const services = await provisionServices(config, (message) => logger.log(message, 'bootstrap'));
  try {
    const resolved = services.config;
    const applied = await runMigrations(resolved.databaseUrl!);
    if (applied.length > 0) logger.log({ msg: 'migrations applied', migrations: applied }, 'bootstrap');
    if (!resolved.queuePrefix) {
      // Stored in the database once (table installation), so every process and restart uses the same queues.
      resolved.queuePrefix = await installationQueuePrefix(resolved.databaseUrl!);
      services.notes.push(`queues: prefix ${resolved.queuePrefix} (stored in the database; QUEUE_PREFIX overrides)`);
    }

    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config: resolved, mailCatcher: services.mailCatcher }),
      { logger, bufferLogs: false, bodyParser: true },
    );
    app.set('trust proxy', resolved.trustProxy);
    app.disable('x-powered-by');
    app.use(securityHeaders(resolved.publicUrl), httpMetrics());
    if (resolved.role !== 'worker') mountAdminAppHeaders(app);
    app.useBodyParser('json', { limit: '1mb' });
    // HTML forms only for the server-rendered pages (set and forgot password, the review page of mail links); the API takes JSON.
    app.use(formBodiesOnlyUnder('/account', '/review'));
    // Those forms are small; flat fields only (no nested qs objects).
    app.useBodyParser('urlencoded', { limit: '16kb', extended: false, parameterLimit: 20 });
    app.useGlobalFilters(new ProblemDetailsFilter());
    app.useGlobalPipes(createValidationPipe());
    const docsPath = 'api/docs';
    if (resolved.role !== 'worker') {
      const document = createOpenApiDocument(app);
      SwaggerModule.setup(docsPath, app, document, { jsonDocumentUrl: 'api/docs-json' });
      mountQueueDashboard(app);
    }

    let url: string | undefined;
    if (resolved.role === 'worker') {
      await app.init();
    } else {
      const server = app.getHttpServer() as import('node:http').Server;
      // Node ends any request after 300 s by default: too short for the largest upload on a slow line.
      server.requestTimeout = resolved.httpRequestTimeoutMs;
      server.headersTimeout = resolved.httpHeadersTimeoutMs;
      await app.listen(resolved.port, resolved.host);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : resolved.port;
      url = resolved.publicUrl.replace(/:\d+$/, `:${port}`);
    }

    const banner = [
      `Credential Import is running (role ${resolved.role}) after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ...(url ? [`  Admin app:    ${url}${ADMIN_APP_PATH}/`, `  API:          ${url}/api`, `  API docs:     ${url}/${docsPath}`, `  Readiness:    ${url}/health/ready`] : []),
      ...(app.get(WorkerHealthServer).port !== undefined ? [`  Worker health: http://${resolved.host}:${app.get(WorkerHealthServer).port}/health/ready`] : []),
      ...services.notes.map((note) => `  ${note}`),
      ...(priority ? [`  ${priority} (WORKER_NICE)`] : []),
    ];
    if (resolved.seedDemoData && resolved.role !== 'worker') {
      const seeded = await app.get(DemoDataRunner).seedIfEmpty();
      if (seeded) banner.push('  Demo data seeded. Sign in with:', ...seeded.map((line) => `    ${line}`));
      if (url) {
        banner.push(
          `  Try the admin app: open ${url}${ADMIN_APP_PATH}/ and sign in as admin@example.com / demo-password-1`,
          `  Try the API: curl -s -X POST ${url}/api/auth/login -H 'content-type: application/json' \\`,
          `                -d '{"email":"admin@example.com","password":"demo-password-1"}'`,
        );
      }
    }
    return {
      app,
      config: resolved,
      services,
      banner,
      url,
      close: async () => {
        // Stop accepting connections first; requests in flight may finish while the modules stop.
        if (url) (app.getHttpServer() as import('node:http').Server).close();
        await app.close();
        await services.stop();
      },
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}
