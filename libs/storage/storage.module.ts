import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '#libs/config/app-config.js';
import { FileSystemStorage } from './filesystem-storage.js';
import { StoragePort } from './storage.port.js';
import { StoredFileCollector } from './stored-file-collector.js';

/**
 * Provides the StoragePort to every module: files on the local disk under config.storageDir. An object
 * store adapter replaces it here when workers run on several machines. The collector removes stored
 * files that no module references any more.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: StoragePort, useFactory: (config: AppConfig) => new FileSystemStorage(config.storageDir), inject: [AppConfig] },
    StoredFileCollector,
  ],
  exports: [StoragePort, StoredFileCollector],
})
export class StorageModule {}
