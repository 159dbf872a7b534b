import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ImportColumn, ImportFileKind, ImportOptionDescription } from '#libs/contracts/imports/index.js';
import type { Principal } from '#libs/contracts/users/index.js';
import type { Language } from '#libs/i18n/i18n.js';
import { ImportTypeRegistry } from '../import-type-registry.js';
import { ImportViews, type ImportChangeView, type ImportDetailView, type ImportListFilter, type ImportRowView, type ImportView, type RowCodeView, type RowOutcomeFilter } from '../import-views.js';

export interface ImportTypeView {
  key: string;
  title: string;
  description: string;
  permission: string;
  fileKinds: ImportFileKind[];
  templateFileName: string;
  columns: Pick<ImportColumn, 'key' | 'header' | 'mandatory' | 'mandatoryOneOf' | 'note' | 'kind' | 'aliases'>[];
  options: ImportOptionDescription[];
  validateOnlyByDefault: boolean;
  /** Whether POST /api/imports/:id/undo can revert its imports (the type has an undo). */
  supportsUndo: boolean;
}

export class ListImportTypesQuery extends Query<ImportTypeView[]> {
  constructor(readonly principal: Principal) {
    super();
  }
}

@QueryHandler(ListImportTypesQuery)
export class ListImportTypesHandler implements IQueryHandler<ListImportTypesQuery> {
  constructor(private readonly registry: ImportTypeRegistry) {}
  async execute({ principal }: ListImportTypesQuery): Promise<ImportTypeView[]> {
    const permitted = this.registry.all().filter((type) => principal.permissions.includes(type.permission));
    // A type switched off for this principal is not offered (its imports made before stay readable).
    const available = await Promise.all(permitted.map((type) => this.registry.isAvailable(type, principal)));
    return permitted
      .filter((_type, index) => available[index])
      .map((type) => ({
        key: type.key,
        title: type.title,
        description: type.description,
        permission: type.permission,
        fileKinds: type.fileKinds,
        templateFileName: type.templateFileName,
        columns: type.columns.map(({ key, header, mandatory, mandatoryOneOf, note, kind, aliases }) => ({ key, header, mandatory, mandatoryOneOf, note, kind, aliases })),
        options: type.optionDescriptions ?? [],
        validateOnlyByDefault: type.validateOnlyByDefault ?? false,
        supportsUndo: typeof type.undoChunk === 'function',
      }));
  }
}

export class ListImportsQuery extends Query<{ items: ImportView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly filter: ImportListFilter,
    readonly language: Language,
  ) {
    super();
  }
}

@QueryHandler(ListImportsQuery)
export class ListImportsHandler implements IQueryHandler<ListImportsQuery> {
  constructor(private readonly views: ImportViews) {}
  execute({ principal, filter, language }: ListImportsQuery) {
    return this.views.list(principal, filter, language);
  }
}

export class GetImportQuery extends Query<ImportDetailView> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly language: Language,
  ) {
    super();
  }
}

@QueryHandler(GetImportQuery)
export class GetImportHandler implements IQueryHandler<GetImportQuery> {
  constructor(private readonly views: ImportViews) {}
  execute({ principal, importId, language }: GetImportQuery) {
    return this.views.get(principal, importId, language);
  }
}

export class ListImportRowsQuery extends Query<{ items: ImportRowView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly filter: { outcome?: RowOutcomeFilter; code?: string; page: number; pageSize: number },
    readonly language: Language,
  ) {
    super();
  }
}

@QueryHandler(ListImportRowsQuery)
export class ListImportRowsHandler implements IQueryHandler<ListImportRowsQuery> {
  constructor(private readonly views: ImportViews) {}
  execute({ principal, importId, filter, language }: ListImportRowsQuery) {
    return this.views.rows(principal, importId, filter, language);
  }
}

/** What each row of an import changed (before and after), for "review the updated records". */
export class ListImportChangesQuery extends Query<{ items: ImportChangeView[]; total: number }> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly page: { page: number; pageSize: number },
  ) {
    super();
  }
}

export class ListImportRowCodesQuery extends Query<RowCodeView[]> {
  constructor(
    readonly principal: Principal,
    readonly importId: string,
    readonly language: Language,
  ) {
    super();
  }
}

@QueryHandler(ListImportChangesQuery)
export class ListImportChangesHandler implements IQueryHandler<ListImportChangesQuery> {
  constructor(private readonly views: ImportViews) {}
  execute({ principal, importId, page }: ListImportChangesQuery) {
    return this.views.changes(principal, importId, page);
  }
}

@QueryHandler(ListImportRowCodesQuery)
export class ListImportRowCodesHandler implements IQueryHandler<ListImportRowCodesQuery> {
  constructor(private readonly views: ImportViews) {}
  execute({ principal, importId, language }: ListImportRowCodesQuery) {
    return this.views.rowCodes(principal, importId, language);
  }
}
