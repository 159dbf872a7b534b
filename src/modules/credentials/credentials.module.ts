import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
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
  providers: [CreditLedger, CredentialScope],
})
export class CredentialsModule {}
