import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BullModule } from '@nestjs/bull';
import { Global, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { StreamTicketsModule } from '#libs/auth/stream-tickets.js';
import { AppConfig } from '#libs/config/app-config.js';
import { RequestIdMiddleware } from '#libs/logging/request-id.middleware.js';
import { OutboxModule } from '#libs/outbox/outbox.module.js';
import { RedisModule } from '#libs/redis/redis.module.js';
import { MailCatcher } from '#libs/runtime/mail-catcher.js';
import { SettingsModule } from '#libs/settings/settings.module.js';
import { StorageModule } from '#libs/storage/storage.module.js';
import { ormOptions } from './database/orm-options.js';
import { CertificatesModule } from './modules/certificates/certificates.module.js';
import { CredentialsModule } from './modules/credentials/credentials.module.js';
import { ImportsModule } from './modules/imports/imports.module.js';
import { LicencesModule } from './modules/licences/licences.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { ReportingModule } from './modules/reporting/reporting.module.js';
import { UsersModule } from './modules/users/users.module.js';
import { ValidationModule } from './modules/validation/validation.module.js';
import { DemoDataRunner } from './platform/demo-data.runner.js';
import { HealthController } from './platform/health.controller.js';
import { MailCatcherController } from './platform/mail-catcher.controller.js';
import { OpsModule } from './platform/ops/ops.module.js';
import { SettingsController } from './platform/settings.controller.js';
import { adminAppModules } from './platform/web/admin-app.js';

export interface AppModuleOptions {
  config: AppConfig;
  mailCatcher?: MailCatcher;
}

@Global()
@Module({})
class ConfigModule {
  static of(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}

@Module({})
export class AppModule implements NestModule {
  static forRoot({ config, mailCatcher }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.of(config),
        MikroOrmModule.forRoot(ormOptions(config.databaseUrl!)),
        BullModule.forRoot({ redis: config.redisUrl!, prefix: config.queuePrefix }),
        CqrsModule.forRoot(),
        DiscoveryModule,
        RedisModule,
        StreamTicketsModule,
        OutboxModule,
        StorageModule,
        SettingsModule,
        UsersModule,
        CertificatesModule,
        CredentialsModule,
        LicencesModule,
        ImportsModule.register(config),
        NotificationsModule,
        ValidationModule,
        ReportingModule,
        // After UsersModule: its rate-limit guard runs after the authentication guard.
        OpsModule,
        // The admin web app at /admin (API processes, once built).
        ...adminAppModules(config),
      ],
      controllers: [HealthController, SettingsController, ...(mailCatcher ? [MailCatcherController] : [])],
      providers: [DemoDataRunner, ...(mailCatcher ? [{ provide: MailCatcher, useValue: mailCatcher }] : [])],
    };
  }

  configure(consumer: MiddlewareConsumer) {
    consumer.apply(RequestIdMiddleware).forRoutes('*');
  }
}
