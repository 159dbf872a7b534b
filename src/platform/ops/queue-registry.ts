import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Queue } from 'bull';

/** Every Bull queue registered in this application (found among the providers), for metrics and the dashboard. */
@Injectable()
export class QueueRegistry {
  private cached?: Queue[];

  constructor(private readonly discovery: DiscoveryService) {}

  all(): Queue[] {
    if (!this.cached) {
      const queues = new Map<string, Queue>();
      for (const wrapper of this.discovery.getProviders()) {
        const instance = wrapper.instance as Partial<Queue> | undefined;
        if (instance && typeof instance === 'object' && typeof instance.getJobCounts === 'function' && typeof instance.name === 'string') {
          queues.set(instance.name, instance as Queue);
        }
      }
      this.cached = [...queues.values()].sort((a, b) => a.name.localeCompare(b.name));
    }
    return this.cached;
  }
}
