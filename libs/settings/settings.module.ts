import { Global, Module } from '@nestjs/common';
import { PlatformSettings } from './platform-settings.js';

/** Platform settings for every module (see PlatformSettings); the REST endpoints are in src/platform. */
@Global()
@Module({ providers: [PlatformSettings], exports: [PlatformSettings] })
export class SettingsModule {}
