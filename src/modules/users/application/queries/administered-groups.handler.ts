import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ListAdministeredGroupIdsQuery } from '#libs/contracts/users/index.js';
import { UserAccess } from '../user-access.js';

/** The groups (and their subgroups) a principal administers; `all` for platform admins. */
@QueryHandler(ListAdministeredGroupIdsQuery)
export class ListAdministeredGroupIdsHandler implements IQueryHandler<ListAdministeredGroupIdsQuery> {
  constructor(private readonly access: UserAccess) {}
  execute({ principal }: ListAdministeredGroupIdsQuery): Promise<string[] | 'all'> {
    return this.access.administeredGroupIds(principal);
  }
}
