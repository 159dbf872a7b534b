import { Query } from '@nestjs/cqrs';
import type { CertificateDefinitionSummary } from './types.js';

/**
 * The catalogue's definitions to choose from (a select on a form, such as the review page of an external
 * certificate), ordered by name, at most `limit` of them. Not scoped: the catalogue is the same for everyone.
 */
export class ListDefinitionChoicesQuery extends Query<CertificateDefinitionSummary[]> {
  constructor(readonly limit = 1000) {
    super();
  }
}
