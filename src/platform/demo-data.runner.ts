import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DEMO_SEEDER, type DemoSeeder } from '#libs/demo/demo-seeder.js';

/** Seeds every module's demo data once, when the installation has no users yet. */
@Injectable()
export class DemoDataRunner {
  private readonly logger = new Logger(DemoDataRunner.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly orm: MikroORM,
  ) {}

  async seedIfEmpty(): Promise<string[] | undefined> {
    const em = this.orm.em.fork();
    {
      const [{ count }] = await em.execute<{ count: string }[]>(`select count(*) as count from users`);
      if (Number(count) > 0) return undefined;
      const seeders = this.discovery
        .getProviders()
        .filter((w) => w.metatype && w.instance && Reflect.getMetadata(DEMO_SEEDER, w.metatype) !== undefined)
        .sort((a, b) => Reflect.getMetadata(DEMO_SEEDER, a.metatype!) - Reflect.getMetadata(DEMO_SEEDER, b.metatype!));
      const lines: string[] = [];
      for (const wrapper of seeders) lines.push(...(await (wrapper.instance as DemoSeeder).seed()));
      this.logger.log({ msg: 'demo data seeded', seeders: seeders.map((w) => w.name) });
      return lines;
    }
  }
}
