import { RUNNING_STATUSES } from '../domain/import-lifecycle.js';

const RUNNING = RUNNING_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * A real run (`run` is its imports alias) of a validation that used the validation's upload for good: any
 * but one that failed, was cancelled or expired, which leave the validation to be run again. The run endpoint
 * (IMPORTS.ALREADY_RUN) and the rule below share it, so a validation that may be run again keeps its upload.
 */
export const REAL_RUN_TAKES_UPLOAD = (run: string) => `(not ${run}.validate_only and ${run}.status not in ('failed', 'cancelled', 'expired'))`;

/**
 * The one rule for which of an import's stored files the import engine still keeps (the stored-file
 * collector asks it, and the pending-import quota counts exactly these, so what a user's imports keep
 * is what their quota covers). `i` is the imports row; `retentionDays` is bound as a parameter.
 * - the upload while the import runs;
 * - the upload of a finished validation that can still be run for real: completed, within
 *   IMPORT_UPLOAD_RETENTION_DAYS, and not yet run for real (a real run ends that, unless it failed or
 *   was cancelled: then the validation may be run again, REAL_RUN_TAKES_UPLOAD).
 *   A real import's upload is not kept after it ends: nothing reads it again.
 */
export const UPLOAD_KEPT = `(i.status in (${RUNNING})
   or (i.validate_only and i.status in ('completed', 'completed_with_errors')
       and i.finished_at > now() - make_interval(days => ?)
       and not exists (select 1 from imports r where r.retry_of = i.id and ${REAL_RUN_TAKES_UPLOAD('r')})))`;

/** Attachments unpacked from a ZIP are kept while their import runs (afterwards a certificate references its own). */
export const ATTACHMENTS_KEPT = `i.status in (${RUNNING})`;
