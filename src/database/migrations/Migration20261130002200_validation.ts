import { Migration } from '@mikro-orm/migrations';

/**
 * The Validation module: external certificates (uploaded by or for a learner, reviewed or recorded),
 * their history (every transition and edit, who and when), and the signed, single-use links in
 * reviewers' mails (only the SHA-256 of a token is stored). Plus the link from an obtained certificate
 * to the external certificate it came from (at most one), and the reporting read model of reviews.
 * No foreign keys to other modules' tables (users are only soft-deleted, so ids stay valid).
 */
export class Migration20261130002200_validation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table external_certificates (
        id uuid primary key,
        user_id uuid not null,
        uploaded_by uuid not null,
        name text not null check (length(name) between 1 and 200),
        delivered_on date not null,
        expires_on date null check (expires_on is null or expires_on >= delivered_on),
        definition_id uuid null,
        credits numeric(8, 2) null check (credits is null or credits >= 0),
        state text not null check (state in ('pending_review', 'validated', 'rejected', 'recorded')),
        file_key text not null,
        file_name text not null,
        file_size bigint not null check (file_size > 0),
        reviewer_id uuid null,
        reviewer_tier text null check (reviewer_tier in ('manager', 'coach', 'group-admin', 'platform-admin')),
        fallback_reviewer_id uuid null,
        submitted_at timestamptz not null,
        -- when the current reviewer got the task (upload, every reviewer change): reminders count from here
        assigned_at timestamptz null,
        decided_at timestamptz null,
        decided_by uuid null,
        comment text null,
        reminded_at timestamptz null,
        escalated_at timestamptz null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check ((state = 'pending_review') = (reviewer_id is not null and decided_at is null)),
        check (state <> 'rejected' or length(coalesce(comment, '')) > 0),
        check (reviewer_id is null or assigned_at is not null)
      );
      create index external_certificates_user_idx on external_certificates (user_id, submitted_at desc);
      create index external_certificates_pending_reviewer_idx on external_certificates (reviewer_id, submitted_at) where state = 'pending_review';
      create index external_certificates_pending_fallback_idx on external_certificates (fallback_reviewer_id) where state = 'pending_review';
      create index external_certificates_pending_since_idx on external_certificates (assigned_at) where state = 'pending_review';

      create table external_certificate_history (
        id bigserial primary key,
        external_certificate_id uuid not null references external_certificates (id) on delete cascade,
        at timestamptz not null default now(),
        actor_id uuid null,
        action text not null,
        comment text null,
        details jsonb not null default '{}'
      );
      create index external_certificate_history_certificate_idx on external_certificate_history (external_certificate_id, id);

      create table review_links (
        id uuid primary key,
        token_hash text not null constraint review_links_token_hash_unique unique,
        external_certificate_id uuid not null references external_certificates (id) on delete cascade,
        reviewer_id uuid not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        used_at timestamptz null,
        ended_at timestamptz null
      );
      create index review_links_certificate_idx on review_links (external_certificate_id);

      alter table obtained_certificates add column external_certificate_id uuid null;
      create unique index obtained_certificates_external_unique on obtained_certificates (external_certificate_id) where external_certificate_id is not null;

      create table reporting_reviews (
        external_certificate_id uuid primary key,
        user_id uuid not null,
        reviewer_id uuid not null,
        submitted_at timestamptz not null,
        decided_at timestamptz null,
        outcome text null check (outcome in ('validated', 'rejected')),
        decided_by uuid null
      );
      create index reporting_reviews_reviewer_idx on reporting_reviews (reviewer_id, submitted_at);
      create index reporting_reviews_user_idx on reporting_reviews (user_id);
    `);
  }
}
