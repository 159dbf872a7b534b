import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '#libs/auth/decorators.js';
import { AppConfig } from '#libs/config/app-config.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { metricsRegistry } from '#libs/metrics/metrics.js';
import { mayScrape } from './metrics-access.js';

/** Prometheus scrape endpoint. Not a user endpoint: protected by METRICS_TOKEN (or loopback only), see mayScrape. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly config: AppConfig) {}

  @Public()
  @Get()
  async scrape(@Req() request: Request, @Res() response: Response) {
    if (!mayScrape(request, this.config)) throw new DomainError('OPS.METRICS_REFUSED', 'unauthenticated');
    const body = await metricsRegistry.metrics();
    response.status(200).type(metricsRegistry.contentType).send(body);
  }
}
