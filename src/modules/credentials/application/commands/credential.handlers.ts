import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { CredentialRenewed, CredentialUpdated } from '#libs/contracts/credentials/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { conflict, notFound } from '#libs/errors/domain-error.js';
import { recordEvent } from '#libs/outbox/outbox.js';
import { Credential, type CredentialInput, type FieldChanges } from '../../domain/credential.js';
import { todayUtc } from '../../domain/local-date.js';
import { CredentialStore } from '../../infrastructure/credential-store.js';
import { CredentialScope } from '../credential-scope.js';
import { CreditLedger } from '../credit-ledger.js';
import { assertOwnEmailVerified } from '../own-email.js';

export class IssueCredentialCommand extends Command<{ id: string }> {
  constructor(
    readonly principal: Principal,
    readonly groupId: string,
    readonly input: CredentialInput,
  ) {
    super();
  }
}

/** An admin's change of one credential, at the version they saw. A renewal costs one credit. */
export class UpdateCredentialCommand extends Command<{ version: number; renewed: boolean }> {
  constructor(
    readonly principal: Principal,
    readonly credentialId: string,
    readonly expectedVersion: number,
    readonly patch: CredentialInput,
  ) {
    super();
  }
}

export class RevokeCredentialCommand extends Command<{ version: number }> {
  constructor(
    readonly principal: Principal,
    readonly credentialId: string,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}

/** The recipient (a signed-in user whose email is the credential's recipient email) corrects their name. */
export class CorrectOwnNameCommand extends Command<{ version: number }> {
  constructor(
    readonly principal: Principal,
    readonly credentialId: string,
    readonly name: string,
  ) {
    super();
  }
}

function updatedEvent(credential: Credential, changes: FieldChanges, by: string) {
  return new CredentialUpdated({
    credentialId: credential.snapshot.id,
    groupId: credential.snapshot.groupId,
    changes,
    changedBy: by,
    importId: null,
    rowNumber: null,
    changedAt: new Date().toISOString(),
  });
}

@CommandHandler(IssueCredentialCommand)
export class IssueCredentialHandler implements ICommandHandler<IssueCredentialCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
    private readonly store: CredentialStore,
  ) {}

  async execute({ principal, groupId, input }: IssueCredentialCommand) {
    return this.em.transactional(async (em) => {
      await this.scope.assertGroupManageable(em, principal, groupId);
      const group = await this.store.group(em, groupId);
      const credential = Credential.issue(randomUUID(), group.id, input, group.customAttributes);
      await this.store.insertCredential(em, credential);
      return { id: credential.snapshot.id };
    });
  }
}

@CommandHandler(UpdateCredentialCommand)
export class UpdateCredentialHandler implements ICommandHandler<UpdateCredentialCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
    private readonly store: CredentialStore,
    private readonly ledger: CreditLedger,
  ) {}

  async execute({ principal, credentialId, expectedVersion, patch }: UpdateCredentialCommand) {
    return this.em.transactional(async (em) => {
      const { credential } = await this.store.credential(em, credentialId, true);
      if (!(await this.scope.mayManageGroup(em, principal, credential.snapshot.groupId))) throw notFound('CREDENTIALS.CREDENTIAL_NOT_FOUND');
      if (credential.snapshot.version !== expectedVersion) throw conflict('CREDENTIALS.VERSION_CONFLICT', { current: credential.snapshot.version, expected: expectedVersion });
      const group = await this.store.group(em, credential.snapshot.groupId);
      const update = credential.update(patch, group.customAttributes, todayUtc());
      if (Object.keys(update.changes).length === 0) return { version: credential.snapshot.version, renewed: false };
      await this.store.saveCredential(em, credential, expectedVersion);
      recordEvent(em, updatedEvent(credential, update.changes, principal.userId));
      if (update.renewal) {
        const entry = await this.ledger.debit(em, {
          key: `renewal:${credential.snapshot.id}:v${credential.snapshot.version}`,
          amount: 1,
          reason: 'renewal',
          credentialId: credential.snapshot.id,
          groupId: credential.snapshot.groupId,
          by: principal.userId,
        });
        recordEvent(
          em,
          new CredentialRenewed({
            credentialId: credential.snapshot.id,
            groupId: credential.snapshot.groupId,
            previousExpiresOn: update.renewal.previousExpiresOn,
            expiresOn: update.renewal.expiresOn,
            creditEntryId: entry.id,
            importId: null,
            rowNumber: null,
            // The debit's own time (the ledger's clock_timestamp): reporting puts the renewal and its credit in the same month.
            renewedAt: entry.createdAt,
          }),
        );
      }
      return { version: credential.snapshot.version, renewed: update.renewal !== null };
    });
  }
}

@CommandHandler(RevokeCredentialCommand)
export class RevokeCredentialHandler implements ICommandHandler<RevokeCredentialCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly scope: CredentialScope,
    private readonly store: CredentialStore,
  ) {}

  async execute({ principal, credentialId, expectedVersion }: RevokeCredentialCommand) {
    return this.em.transactional(async (em) => {
      const { credential } = await this.store.credential(em, credentialId, true);
      if (!(await this.scope.mayManageGroup(em, principal, credential.snapshot.groupId))) throw notFound('CREDENTIALS.CREDENTIAL_NOT_FOUND');
      const version = expectedVersion ?? credential.snapshot.version;
      if (credential.snapshot.version !== version) throw conflict('CREDENTIALS.VERSION_CONFLICT', { current: credential.snapshot.version, expected: version });
      credential.revoke(new Date());
      await this.store.saveCredential(em, credential, version);
      recordEvent(em, updatedEvent(credential, { revokedAt: { before: null, after: credential.snapshot.revokedAt } }, principal.userId));
      return { version: credential.snapshot.version };
    });
  }
}

@CommandHandler(CorrectOwnNameCommand)
export class CorrectOwnNameHandler implements ICommandHandler<CorrectOwnNameCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly store: CredentialStore,
  ) {}

  async execute({ principal, credentialId, name }: CorrectOwnNameCommand) {
    assertOwnEmailVerified(principal);
    return this.em.transactional(async (em) => {
      const { credential } = await this.store.credential(em, credentialId, true);
      // Only the recipient: anyone else (admins included) is answered as if it did not exist.
      if (credential.snapshot.recipientEmail.toLowerCase() !== principal.email.trim().toLowerCase()) throw notFound('CREDENTIALS.CREDENTIAL_NOT_FOUND');
      const version = credential.snapshot.version;
      const changes = credential.correctNameByRecipient(name);
      if (Object.keys(changes).length === 0) return { version };
      await this.store.saveCredential(em, credential, version);
      recordEvent(em, updatedEvent(credential, changes, principal.userId));
      return { version: credential.snapshot.version };
    });
  }
}
