import { Migration20261122000000_foundation } from './Migration20261122000000_foundation.js';
import { Migration20261122000100_certificates } from './Migration20261122000100_certificates.js';
import { Migration20261122000200_imports } from './Migration20261122000200_imports.js';
import { Migration20261130000200_import_parse_starts } from './Migration20261130000200_import_parse_starts.js';
import { Migration20261130000300_stored_file_collection } from './Migration20261130000300_stored_file_collection.js';
import { Migration20261130000400_token_version } from './Migration20261130000400_token_version.js';
import { Migration20261130000500_scoped_reads } from './Migration20261130000500_scoped_reads.js';
import { Migration20261130000600_operations } from './Migration20261130000600_operations.js';
import { Migration20261130000700_import_parse_deaths } from './Migration20261130000700_import_parse_deaths.js';
import { Migration20261130000900_installation } from './Migration20261130000900_installation.js';
import { Migration20261130001000_import_quota_reservations } from './Migration20261130001000_import_quota_reservations.js';
import { Migration20261130001200_imports_retry_of_index } from './Migration20261130001200_imports_retry_of_index.js';
import { Migration20261130001300_import_stages } from './Migration20261130001300_import_stages.js';
import { Migration20261130001500_platform_settings } from './Migration20261130001500_platform_settings.js';
import { Migration20261130001900_import_staged_sheet_facts } from './Migration20261130001900_import_staged_sheet_facts.js';
import { Migration20261130002200_validation } from './Migration20261130002200_validation.js';
import { Migration20261130002500_reporting_reviews_order } from './Migration20261130002500_reporting_reviews_order.js';
import { Migration20261130002800_credentials } from './Migration20261130002800_credentials.js';
import { Migration20261130003100_email_verified } from './Migration20261130003100_email_verified.js';
import { Migration20261130003200_import_rows_without_foreign_keys } from './Migration20261130003200_import_rows_without_foreign_keys.js';
import { Migration20261130003800_import_row_indexes } from './Migration20261130003800_import_row_indexes.js';
import { Migration20261130003900_licence_types_truncate_guard } from './Migration20261130003900_licence_types_truncate_guard.js';
import { Migration20261130004000_revoked_access_tokens } from './Migration20261130004000_revoked_access_tokens.js';
import { Migration20261130004100_users_list_order_index } from './Migration20261130004100_users_list_order_index.js';
import { Migration20261130004200_outbox_delivered_at } from './Migration20261130004200_outbox_delivered_at.js';
import { Migration20261130004300_outbox_payload_json } from './Migration20261130004300_outbox_payload_json.js';
import { Migration20261130003700_import_row_results_without_changes_index } from './Migration20261130003700_import_row_results_without_changes_index.js';
import { Migration20261130003600_credentials_fillfactor } from './Migration20261130003600_credentials_fillfactor.js';
import { Migration20261130003300_reporting_definition_codes } from './Migration20261130003300_reporting_definition_codes.js';
import { Migration20261130003500_licence_import_costs } from './Migration20261130003500_licence_import_costs.js';
import { Migration20261130001700_mail_deliveries } from './Migration20261130001700_mail_deliveries.js';
import { Migration20261130001400_obtained_certificate_version } from './Migration20261130001400_obtained_certificate_version.js';
import { Migration20261130001800_password_links } from './Migration20261130001800_password_links.js';
import { Migration20261130002700_licences } from './Migration20261130002700_licences.js';

/**
 * Every migration, in order. Listed explicitly (not discovered by glob) so the compiled app and the
 * tests run exactly the same set.
 */
export const MIGRATIONS = [
  { name: 'Migration20261122000000_foundation', class: Migration20261122000000_foundation },
  { name: 'Migration20261122000100_certificates', class: Migration20261122000100_certificates },
  { name: 'Migration20261122000200_imports', class: Migration20261122000200_imports },
  { name: 'Migration20261130000200_import_parse_starts', class: Migration20261130000200_import_parse_starts },
  { name: 'Migration20261130000300_stored_file_collection', class: Migration20261130000300_stored_file_collection },
  { name: 'Migration20261130000400_token_version', class: Migration20261130000400_token_version },
  { name: 'Migration20261130000500_scoped_reads', class: Migration20261130000500_scoped_reads },
  { name: 'Migration20261130000600_operations', class: Migration20261130000600_operations },
  { name: 'Migration20261130000700_import_parse_deaths', class: Migration20261130000700_import_parse_deaths },
  { name: 'Migration20261130000900_installation', class: Migration20261130000900_installation },
  { name: 'Migration20261130001000_import_quota_reservations', class: Migration20261130001000_import_quota_reservations },
  { name: 'Migration20261130001200_imports_retry_of_index', class: Migration20261130001200_imports_retry_of_index },
  { name: 'Migration20261130001300_import_stages', class: Migration20261130001300_import_stages },
  { name: 'Migration20261130001400_obtained_certificate_version', class: Migration20261130001400_obtained_certificate_version },
  { name: 'Migration20261130001500_platform_settings', class: Migration20261130001500_platform_settings },
  { name: 'Migration20261130001700_mail_deliveries', class: Migration20261130001700_mail_deliveries },
  { name: 'Migration20261130001800_password_links', class: Migration20261130001800_password_links },
  { name: 'Migration20261130001900_import_staged_sheet_facts', class: Migration20261130001900_import_staged_sheet_facts },
  { name: 'Migration20261130002200_validation', class: Migration20261130002200_validation },
  { name: 'Migration20261130002500_reporting_reviews_order', class: Migration20261130002500_reporting_reviews_order },
  { name: 'Migration20261130002700_licences', class: Migration20261130002700_licences },
  { name: 'Migration20261130002800_credentials', class: Migration20261130002800_credentials },
  { name: 'Migration20261130003100_email_verified', class: Migration20261130003100_email_verified },
  { name: 'Migration20261130003200_import_rows_without_foreign_keys', class: Migration20261130003200_import_rows_without_foreign_keys },
  { name: 'Migration20261130003300_reporting_definition_codes', class: Migration20261130003300_reporting_definition_codes },
  { name: 'Migration20261130003500_licence_import_costs', class: Migration20261130003500_licence_import_costs },
  { name: 'Migration20261130003600_credentials_fillfactor', class: Migration20261130003600_credentials_fillfactor },
  { name: 'Migration20261130003700_import_row_results_without_changes_index', class: Migration20261130003700_import_row_results_without_changes_index },
  { name: 'Migration20261130003800_import_row_indexes', class: Migration20261130003800_import_row_indexes },
  { name: 'Migration20261130003900_licence_types_truncate_guard', class: Migration20261130003900_licence_types_truncate_guard },
  { name: 'Migration20261130004000_revoked_access_tokens', class: Migration20261130004000_revoked_access_tokens },
  { name: 'Migration20261130004100_users_list_order_index', class: Migration20261130004100_users_list_order_index },
  { name: 'Migration20261130004200_outbox_delivered_at', class: Migration20261130004200_outbox_delivered_at },
  { name: 'Migration20261130004300_outbox_payload_json', class: Migration20261130004300_outbox_payload_json },
];
