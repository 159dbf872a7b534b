import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, HttpStatus, Logger, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { Public } from '#libs/auth/decorators.js';
import { InjectRedis } from '#libs/redis/redis.module.js';
import { probe } from './health-checks.js';
import { WorkerHeartbeat } from './ops/worker-heartbeat.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('health');

  constructor(
    private readonly orm: MikroORM,
    @InjectRedis() private readonly redis: Redis,
    private readonly heartbeat: WorkerHeartbeat,
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
  @ApiOperation({
    summary: 'Readiness: PostgreSQL and Redis answer. `workers` lists the workers with a live heartbeat (informational: it does not make the API unready)',
  })
  @ApiOkResponse({
    schema: { example: { status: 'up', checks: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 0 } }, workers: { alive: 1 } } },
  })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down: its check says down with a stable reason (TIMEOUT, UNREACHABLE, ERROR); details are only logged' })
  async ready(@Res({ passthrough: true }) response: Response) {
    const log = (entry: object) => this.logger.warn(entry);
    const [database, redis] = await Promise.all([
      probe('database', () => this.orm.em.fork().execute('select 1'), log),
      probe('redis', () => this.redis.ping(), log),
    ]);
    const up = database.status === 'up' && redis.status === 'up';
    const workers = redis.status === 'up' ? await this.heartbeat.liveWorkers().then((list) => ({ alive: list.length }), () => undefined) : undefined;
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    response.setHeader('Cache-Control', 'no-store');
    return { status: up ? 'up' : 'down', checks: { database, redis }, ...(workers ? { workers } : {}) };
  }
}
