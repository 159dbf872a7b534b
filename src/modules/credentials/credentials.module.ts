import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ImportCredentialUpdatesChunkHandler } from './application/commands/import-credential-updates-chunk/import-credential-updates-chunk.handler.js';
import { UndoCredentialUpdatesHandler } from './application/commands/undo-credential-updates/undo-credential-updates.handler.js';
import { CredentialUpdateImport } from './application/imports/credential-update.import-type.js';
import './domain/messages.js';
import { CorrectOwnNameHandler, IssueCredentialHandler, RevokeCredentialHandler, UpdateCredentialHandler } from './application/commands/credential.handlers.js';
import { TopUpCreditsHandler } from './application/commands/credits.handlers.js';
import { CreateDesignHandler, DeleteDesignHandler, UpdateDesignHandler } from './application/commands/design.handlers.js';
import { CreateCredentialGroupHandler, UpdateCredentialGroupHandler } from './application/commands/group.handlers.js';
import { CredentialScope } from './application/credential-scope.js';
import { CredentialViews } from './application/credential-views.js';
import { CreditLedger } from './application/credit-ledger.js';
import {
  GetCreditBalanceHandler,
  GetCredentialGroupHandler,
  GetCredentialHandler,
  GetDesignHandler,
  ListCreditEntriesHandler,
  ListCredentialGroupsHandler,
  ListCredentialsHandler,
  ListDesignsHandler,
  ListManageableCredentialGroupsHandler,
  ListOwnCredentialsHandler,
} from './application/queries/credential-queries.handlers.js';
import { CredentialStore } from './infrastructure/credential-store.js';
import { CredentialsDemoSeeder } from './infrastructure/credentials-demo.seeder.js';
import { CredentialDesignsController, CredentialGroupsController, CredentialsController, OwnCredentialsController } from './interface/http/credentials.controller.js';
import { CreditsController } from './interface/http/credits.controller.js';

const commandHandlers = [
  CreateDesignHandler,
  UpdateDesignHandler,
  DeleteDesignHandler,
  CreateCredentialGroupHandler,
  UpdateCredentialGroupHandler,
  IssueCredentialHandler,
  UpdateCredentialHandler,
  RevokeCredentialHandler,
  CorrectOwnNameHandler,
  TopUpCreditsHandler,
];

const queryHandlers = [
  ListDesignsHandler,
  GetDesignHandler,
  ListCredentialGroupsHandler,
  GetCredentialGroupHandler,
  ListCredentialsHandler,
  GetCredentialHandler,
  ListOwnCredentialsHandler,
  GetCreditBalanceHandler,
  ListCreditEntriesHandler,
  ListManageableCredentialGroupsHandler,
];

/**
 * Credential groups and designs, issued credentials, the credit ledger, and the bulk update of a
 * group's credentials from a spreadsheet (the credential-update import type).
 */
@Module({
  imports: [CqrsModule],
  controllers: [CredentialDesignsController, CredentialGroupsController, CredentialsController, OwnCredentialsController, CreditsController],
  providers: [
    ...commandHandlers,
    ...queryHandlers,
    CreditLedger,
    CredentialScope,
    CredentialStore,
    CredentialViews,
    CredentialsDemoSeeder,
    // The credential-update import type and its chunk commands.
    CredentialUpdateImport,
    ImportCredentialUpdatesChunkHandler,
    UndoCredentialUpdatesHandler,
  ],
})
export class CredentialsModule {}
