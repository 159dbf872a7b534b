import type { EntityManager } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { executeBound } from '#libs/database/bound-query.js';
import type { MailTemplateName } from '../domain/mail-template.js';

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed';


/** A delivery queued for a few sweep periods is waiting in a backlog; longer, its job may be a remnant of a Redis flush. */
const LONG_WAIT_PERIODS = 5;

export interface SweptDelivery {
  id: string;
  attempts: number;
  /** Queued for more than LONG_WAIT_PERIODS sweep periods since it was asked for. */
  long_waiting: boolean;
}

/** A mail to send: one recipient, one template, for one event. */
export interface NewDelivery {
  eventId: string;
  template: MailTemplateName;
  recipientUserId: string;
  recipientEmail: string;
  language: string;
  /** The values the template needs besides what is looked up when it is rendered. */
  params: Record<string, string | number | boolean | null>;
}

export interface ClaimedDelivery {
  id: string;
  event_id: string;
  template: MailTemplateName;
  recipient_user_id: string;
  recipient_email: string;
  language: string;
  params: Record<string, string | number | boolean | null>;
  attempts: number;
}

export interface DeliveryRow extends ClaimedDelivery {
  status: DeliveryStatus;
  smtp_response: string | null;
  message_id: string | null;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

export interface SentMark {
  id: string;
  /** The claim's attempt number (its fencing value): the mark lands only while no later claim took the delivery. */
  attempts: number;
  response: string;
  messageId: string;
}

export interface FailedAttempt {
  id: string;
  /** The claim's attempt number: a worker whose lease ran out and was taken over changes nothing. */
  attempts: number;
  reason: string;
  /** Never retried (5xx from the server, a recipient who is no longer active, a broken template). */
  permanent: boolean;
  /** False when the mail was never handed to the server: the attempt is given back (it does not count). */
  started?: boolean;
}

export interface DeliveryFilter {
  /** Undefined: every recipient; otherwise only these. */
  recipientUserIds?: string[];
  status?: DeliveryStatus;
  template?: string;
  recipientEmail?: string;
  since?: Date;
}

/** The mail_deliveries table: the log of every mail and the state machine that sends each exactly once. */
@Injectable()
export class MailDeliveryLog {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Inserts deliveries in `em`'s transaction (the event's inbox transaction) as one statement; a delivery
   * that exists for (event, recipient, template) is left alone. Returns the ids of the new ones.
   */
  async queue(em: EntityManager, deliveries: NewDelivery[]): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows = deliveries.map((d) => ({
      id: randomUUID(),
      event_id: d.eventId,
      template: d.template,
      recipient_user_id: d.recipientUserId,
      recipient_email: d.recipientEmail,
      language: d.language,
      params: d.params,
    }));
    const inserted = await executeBound<{ id: string }>(
      em,
      `insert into mail_deliveries (id, event_id, template, recipient_user_id, recipient_email, language, params)
       select id, event_id, template, recipient_user_id, recipient_email, language, params
         from jsonb_to_recordset($1::jsonb) as d(id uuid, event_id uuid, template text, recipient_user_id uuid, recipient_email text, language text, params jsonb)
       on conflict (event_id, recipient_user_id, template) do nothing
       returning id`,
      [JSON.stringify(rows)],
    );
    return inserted.map((row) => row.id);
  }

  /**
   * Takes the deliveries among `ids` that may be sent now: queued ones, and 'sending' ones whose lease ran
   * out (their worker died). Sent and failed ones, and ones another worker holds, are left out. Each taken
   * delivery counts an attempt and is leased to the caller for `leaseSeconds`; the new attempt number is
   * the claim's fencing value, which markSent and release must present.
   */
  async claim(ids: string[], leaseSeconds: number): Promise<ClaimedDelivery[]> {
    if (ids.length === 0) return [];
    return executeBound<ClaimedDelivery>(
      this.orm.em.fork(),
      `update mail_deliveries set status = 'sending', attempts = attempts + 1, lease_until = now() + make_interval(secs => $2), updated_at = now()
        where id = any($1::uuid[]) and (status = 'queued' or (status = 'sending' and lease_until < now()))
        returning id, event_id, template, recipient_user_id, recipient_email, language, params, attempts`,
      [ids, leaseSeconds],
    );
  }

  /**
   * Logs accepted mails as sent (one statement for all of them). Only the claim that is still the latest
   * writes: after the sweeper took a lease back (queued again, same attempt) the mark still lands and keeps
   * the mail from going twice; once another worker claimed it (a later attempt) the stale mark is dropped.
   */
  async markSent(marks: SentMark[]): Promise<void> {
    if (marks.length === 0) return;
    await executeBound(
      this.orm.em.fork(),
      `update mail_deliveries d set status = 'sent', smtp_response = m.response, message_id = m.message_id, failure_reason = null,
              lease_until = null, sent_at = now(), updated_at = now()
         from jsonb_to_recordset($1::jsonb) as m(id uuid, attempts int, response text, message_id text)
        where d.id = m.id and d.attempts = m.attempts and d.status in ('sending', 'queued')`,
      [JSON.stringify(marks.map((m) => ({ id: m.id, attempts: m.attempts, response: m.response.slice(0, 1000), message_id: m.messageId })))],
    );
  }

  /**
   * Gives failed attempts back: queued again for a retry, or failed for good (permanent, or out of attempts).
   * Only while the caller's claim still holds the delivery (same attempt, still 'sending'). An attempt whose
   * mail never reached the server is not counted, so a delivery that waited out its leases is never failed
   * without having been tried.
   */
  async release(failures: FailedAttempt[], maxAttempts: number): Promise<void> {
    if (failures.length === 0) return;
    await executeBound(
      this.orm.em.fork(),
      `update mail_deliveries d
          set status = case when f.permanent or (f.started and d.attempts >= $2) then 'failed' else 'queued' end,
              attempts = case when f.started then d.attempts else d.attempts - 1 end,
              failure_reason = f.reason, lease_until = null, updated_at = now()
         from jsonb_to_recordset($1::jsonb) as f(id uuid, attempts int, reason text, permanent boolean, started boolean)
        where d.id = f.id and d.status = 'sending' and d.attempts = f.attempts`,
      [
        JSON.stringify(failures.map((f) => ({ id: f.id, attempts: f.attempts, reason: f.reason.slice(0, 1000), permanent: f.permanent, started: f.started ?? true }))),
        maxAttempts,
      ],
    );
  }

  /**
   * The sweeper's pass. Deliveries whose lease ran out after their last attempt are failed; deliveries that
   * have waited `requeueAfterSeconds` since they were queued (their job was lost: a crash between the commit
   * and the enqueue, a Redis flush) or whose lease ran out (their worker died) are queued again and returned,
   * to be enqueued. Their clock restarts, so a delivery is handed out once per period, not on every pass.
   */
  async sweep(requeueAfterSeconds: number, maxAttempts: number, limit = 5000): Promise<SweptDelivery[]> {
    const em = this.orm.em.fork();
    await em.execute(
      `update mail_deliveries set status = 'failed', lease_until = null, updated_at = now(),
              failure_reason = coalesce(failure_reason || '; ', '') || 'gave up: the worker sending it stopped after the last attempt'
        where status = 'sending' and lease_until < now() and attempts >= ?`,
      [maxAttempts],
    );
    return em.execute<SweptDelivery[]>(
      `update mail_deliveries set status = 'queued', lease_until = null, updated_at = now()
        where id in (select id from mail_deliveries
                      where (status = 'queued' and updated_at < now() - make_interval(secs => ?))
                         or (status = 'sending' and lease_until < now())
                      order by updated_at limit ? for update skip locked)
        returning id, attempts, created_at < now() - make_interval(secs => ?) as long_waiting`,
      [requeueAfterSeconds, limit, requeueAfterSeconds * LONG_WAIT_PERIODS],
    );
  }

  async list(filter: DeliveryFilter, page: { page: number; pageSize: number }): Promise<{ rows: DeliveryRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown) => {
      params.push(value);
      where.push(condition.replace('$?', `$${params.length}`));
    };
    if (filter.recipientUserIds) add('recipient_user_id = any($?::uuid[])', filter.recipientUserIds);
    if (filter.status) add('status = $?', filter.status);
    if (filter.template) add('template = $?', filter.template);
    if (filter.recipientEmail) add('lower(recipient_email) = lower($?)', filter.recipientEmail);
    if (filter.since) add('created_at >= $?', filter.since);
    const condition = where.length > 0 ? `where ${where.join(' and ')}` : '';
    const em = this.orm.em.fork();
    const [{ total }] = await executeBound<{ total: string }>(em, `select count(*) as total from mail_deliveries ${condition}`, params);
    const rows = await executeBound<DeliveryRow>(
      em,
      `select * from mail_deliveries ${condition} order by created_at desc, id limit ${page.pageSize} offset ${(page.page - 1) * page.pageSize}`,
      params,
    );
    return { rows, total: Number(total) };
  }
}
