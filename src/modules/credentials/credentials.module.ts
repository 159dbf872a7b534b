import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';

/**
 * Credential groups and designs, issued credentials, the credit ledger, and the bulk update of a
 * group's credentials from a spreadsheet (the credential-update import type).
 */
@Module({
  imports: [CqrsModule],
  controllers: [],
  providers: [],
})
export class CredentialsModule {}
