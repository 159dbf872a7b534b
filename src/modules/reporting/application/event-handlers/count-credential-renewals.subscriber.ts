import type { EntityManager } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import {
  CredentialRenewed,
  CreditsDebited,
  CreditsRefunded,
  type CredentialRenewedPayload,
  type CreditsDebitedPayload,
  type CreditsRefundedPayload,
} from '#libs/contracts/credentials/index.js';
import type { DeliveredEvent } from '#libs/contracts/integration-event.js';
import { executeBound } from '#libs/database/bound-query.js';
import { SubscribesTo, type IntegrationEventSubscriber } from '#libs/outbox/subscriber.js';

/**
 * Adds to reporting_credential_renewals: one row per month and credential group. Each subscriber runs in
 * the dispatcher's transaction together with its inbox row, so a redelivered event adds nothing.
 */
async function add(em: EntityManager, rows: { month_of: string; group_id: string; renewals: number; credits: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await executeBound(
    em,
    `insert into reporting_credential_renewals (month, group_id, renewals, credits_used)
     select date_trunc('month', (e.month_of::timestamptz at time zone 'UTC'))::date, e.group_id, sum(e.renewals), sum(e.credits)
       from jsonb_to_recordset($1::jsonb) as e(month_of text, group_id uuid, renewals integer, credits integer)
      group by 1, 2
     on conflict (month, group_id) do update
       set renewals = reporting_credential_renewals.renewals + excluded.renewals,
           credits_used = reporting_credential_renewals.credits_used + excluded.credits_used`,
    [JSON.stringify(rows)],
  );
}

/** Renewals (recertifications) per month of renewal and group. */
@Injectable()
@SubscribesTo(CredentialRenewed, 'reporting.credential-renewals')
export class CountCredentialRenewalsSubscriber implements IntegrationEventSubscriber<CredentialRenewedPayload> {
  async handle(event: DeliveredEvent<CredentialRenewedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }

  async handleBatch(events: DeliveredEvent<CredentialRenewedPayload>[], em: EntityManager): Promise<void> {
    await add(
      em,
      events.map(({ payload, occurredAt }) => ({ month_of: payload.renewedAt ?? occurredAt, group_id: payload.groupId, renewals: 1, credits: 0 })),
    );
  }
}

/** Credits used per month of the debit and the group of the credential paid for (debits without a group are not counted here). */
@Injectable()
@SubscribesTo(CreditsDebited, 'reporting.credential-credits-used')
export class CountCreditsUsedSubscriber implements IntegrationEventSubscriber<CreditsDebitedPayload> {
  async handle(event: DeliveredEvent<CreditsDebitedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }

  async handleBatch(events: DeliveredEvent<CreditsDebitedPayload>[], em: EntityManager): Promise<void> {
    await add(
      em,
      events.flatMap(({ payload, occurredAt }) => (payload.groupId ? [{ month_of: payload.debitedAt ?? occurredAt, group_id: payload.groupId, renewals: 0, credits: payload.amount }] : [])),
    );
  }
}

/**
 * A refund (an undone renewal) takes its credits off the month and group of the debit it gives back, and,
 * when that debit paid for a renewal, the renewal too: the month then shows what was finally charged.
 */
@Injectable()
@SubscribesTo(CreditsRefunded, 'reporting.credential-credits-refunded')
export class UncountRefundedCreditsSubscriber implements IntegrationEventSubscriber<CreditsRefundedPayload> {
  async handle(event: DeliveredEvent<CreditsRefundedPayload>, em: EntityManager): Promise<void> {
    await this.handleBatch([event], em);
  }

  async handleBatch(events: DeliveredEvent<CreditsRefundedPayload>[], em: EntityManager): Promise<void> {
    await add(
      em,
      events.flatMap(({ payload, occurredAt }) =>
        payload.groupId
          ? [{ month_of: payload.debitedAt ?? payload.refundedAt ?? occurredAt, group_id: payload.groupId, renewals: payload.reasonOfDebit === 'renewal' ? -1 : 0, credits: -payload.amount }]
          : [],
      ),
    );
  }
}
