import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { pgArray } from '#libs/database/sql.js';
import { Role, SYSTEM_ROLES } from '../domain/role.js';

/** Keeps the built-in roles present and their permissions current on every start. */
@Injectable()
export class SystemRolesInitializer implements OnApplicationBootstrap {
  constructor(private readonly orm: MikroORM) {}

  async onApplicationBootstrap() {
    const em = this.orm.em.fork();
    for (const definition of Object.values(SYSTEM_ROLES)) {
      const role = Role.create(definition.key, definition.name, [...definition.permissions], true);
      await em.execute(
        `insert into roles (id, key, name, permissions, system) values (?, ?, ?, ?::text[], true)
         on conflict (key) do update set name = excluded.name, permissions = excluded.permissions, system = true`,
        [role.id, role.key, role.name, pgArray(role.permissions)],
      );
    }
  }
}
