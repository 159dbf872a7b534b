import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DeadLetters } from './dead-letters.js';
import { InboxPruner } from './inbox-pruner.js';
import { IntegrationEventDispatcher } from './integration-event-dispatcher.js';
import { INTEGRATION_EVENTS_QUEUE } from './outbox.constants.js';
import { OutboxRelay } from './outbox-relay.js';

@Global()
@Module({
  imports: [DiscoveryModule, BullModule.registerQueue({ name: INTEGRATION_EVENTS_QUEUE })],
  providers: [OutboxRelay, IntegrationEventDispatcher, DeadLetters, InboxPruner],
  exports: [OutboxRelay, IntegrationEventDispatcher, DeadLetters],
})
export class OutboxModule {}
