import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { FileSystemStorage } from './filesystem-storage.js';
import { StoragePort } from './storage.port.js';

/**
 * Provides the StoragePort to every module: files on the local disk under config.storageDir. An object
 * store adapter replaces it here when workers run on several machines.
 */
@Global()
@Module({
  providers: [{ provide: StoragePort, useFactory: (config: AppConfig) => new FileSystemStorage(config.storageDir), inject: [AppConfig] }],
  exports: [StoragePort],
})
export class StorageModule {}
