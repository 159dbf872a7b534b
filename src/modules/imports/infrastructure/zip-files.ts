import type { EntityManager } from '@mikro-orm/postgresql';
import type { ImportedFile, ImportFiles } from '#libs/contracts/imports/index.js';
import { pgArray } from '#libs/database/sql.js';

export const NO_FILES: ImportFiles = { find: () => ({}), markUsed: () => {} };

/** The attachments extracted from an import's ZIP, loaded once per chunk. */
export class ZipFiles implements ImportFiles {
  private readonly used = new Set<string>();
  private constructor(
    private readonly importId: string,
    private readonly byName: Map<string, ImportedFile>,
    private readonly byLooseName: Map<string, string>,
    private readonly listed: Set<string>,
  ) {}

  static async load(em: EntityManager, importId: string): Promise<ZipFiles> {
    const rows = await em.execute<{ name: string; storage_key: string | null; size: string; media_type: string | null }[]>(
      `select name, storage_key, size, media_type from import_files where import_id = ?`,
      [importId],
    );
    const byName = new Map<string, ImportedFile>();
    const byLooseName = new Map<string, string>();
    for (const row of rows) {
      // Entries no valid row named were listed but not unpacked (no storage key): near misses only.
      if (row.storage_key !== null) byName.set(row.name, { name: row.name, storageKey: row.storage_key, size: Number(row.size), mediaType: row.media_type });
      byLooseName.set(loose(row.name), row.name);
    }
    return new ZipFiles(importId, byName, byLooseName, new Set(rows.map((row) => row.name)));
  }

  find(name: string) {
    const file = this.byName.get(name);
    if (file) return { file };
    return { suggestion: this.byLooseName.get(loose(name)) };
  }

  markUsed(name: string) {
    // A near miss is "used" too (its row names it, misspelt), though it was listed and never unpacked.
    if (this.listed.has(name)) this.used.add(name);
  }

  async saveUsed(em: EntityManager): Promise<void> {
    if (this.used.size === 0) return;
    await em.execute(`update import_files set used = true where import_id = ? and name = any(?::text[]) and not used`, [this.importId, pgArray([...this.used])]);
  }
}

/** Names that differ only in case or Unicode normalisation (macOS writes decomposed names). */
function loose(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
