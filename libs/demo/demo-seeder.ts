import { SetMetadata } from '@nestjs/common';

export const DEMO_SEEDER = Symbol('demo-seeder');

/** A module's demo data. Seeders run in ascending `order` on the first start of an empty installation. */
export interface DemoSeeder {
  seed(): Promise<string[]>;
}

export const DemoSeederOf = (order: number) => SetMetadata(DEMO_SEEDER, order);
