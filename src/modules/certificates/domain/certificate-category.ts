import { randomUUID } from 'node:crypto';
import { invalid } from '#libs/errors/domain-error.js';

/** A heading of the catalogue (Safety, First aid, Languages). Names are unique regardless of case. */
export class CertificateCategory {
  id: string;
  name: string;
  createdAt: Date;

  static create(name: string): CertificateCategory {
    const category = new CertificateCategory();
    category.id = randomUUID();
    category.createdAt = new Date();
    category.rename(name);
    return category;
  }

  rename(name: string): void {
    const trimmed = name.trim().replace(/\s+/g, ' ');
    if (!trimmed || trimmed.length > 200) throw invalid('CERTIFICATES.CATEGORY_NAME_REQUIRED');
    this.name = trimmed;
  }
}
