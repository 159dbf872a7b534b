import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import './application/validation-settings.js';
import { IssueReviewLinksHandler } from './application/commands/issue-review-links/issue-review-links.handler.js';
import { ReviewDecisions } from './application/review-decisions.js';
import { ReviewLinkAccess } from './application/review-link-access.js';
import { ReviewReminders } from './application/review-reminders.js';
import { ReviewPageController } from './interface/http/review-page.controller.js';

/**
 * External certificates and their review (the design card's Validation module): uploads by or for a
 * learner, the reviewer chosen by the platform settings, the review through the API or the links in the
 * reviewer's mail, reminders, and the events that put a validated certificate in the catalogue.
 */
@Module({
  imports: [CqrsModule],
  controllers: [ReviewPageController],
  providers: [ReviewDecisions, IssueReviewLinksHandler, ReviewLinkAccess, ReviewReminders],
})
export class ValidationModule {}
