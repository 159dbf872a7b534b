import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import './application/validation-settings.js';

/**
 * External certificates and their review (the design card's Validation module): uploads by or for a
 * learner, the reviewer chosen by the platform settings, the review through the API or the links in the
 * reviewer's mail, reminders, and the events that put a validated certificate in the catalogue.
 */
@Module({
  imports: [CqrsModule],
  controllers: [],
  providers: [],
})
export class ValidationModule {}
