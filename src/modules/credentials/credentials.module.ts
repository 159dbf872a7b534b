import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ImportCredentialUpdatesChunkHandler } from './application/commands/import-credential-updates-chunk/import-credential-updates-chunk.handler.js';
import { UndoCredentialUpdatesHandler } from './application/commands/undo-credential-updates/undo-credential-updates.handler.js';
import { CredentialUpdateImport } from './application/imports/credential-update.import-type.js';
import './domain/messages.js';
import { CredentialScope } from './application/credential-scope.js';
import { CreditLedger } from './application/credit-ledger.js';

/**
 * Credential groups and designs, issued credentials, the credit ledger, and the bulk update of a
 * group's credentials from a spreadsheet (the credential-update import type).
 */
@Module({
  imports: [CqrsModule],
  controllers: [],
  providers: [
    CreditLedger,
    CredentialScope,
    // The credential-update import type and its chunk commands.
    CredentialUpdateImport,
    ImportCredentialUpdatesChunkHandler,
    UndoCredentialUpdatesHandler,
  ],
})
export class CredentialsModule {}
