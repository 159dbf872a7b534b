import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { Public } from '../../libs/auth/decorators.js';
import { InjectRedis } from '../../libs/redis/redis.module.js';

class CheckDto {
  status: 'up' | 'down';
  latencyMs?: number;
  error?: string;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly orm: MikroORM,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  @Public()
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs and serves HTTP' })
  @ApiOkResponse({ schema: { example: { status: 'up' } } })
  live() {
    return { status: 'up' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({ schema: { example: { status: 'up', checks: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 0 } } } } })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  async ready(@Res({ passthrough: true }) response: Response) {
    const [database, redis] = await Promise.all([
      check(() => this.orm.em.fork().execute('select 1')),
      check(() => this.redis.ping()),
    ]);
    const up = database.status === 'up' && redis.status === 'up';
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'up' : 'down', checks: { database, redis } };
  }
}

async function check(probe: () => Promise<unknown>): Promise<CheckDto> {
  const started = performance.now();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000))]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', error: String((error as Error)?.message ?? error) };
  }
}
