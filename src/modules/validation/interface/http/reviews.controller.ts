import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '#libs/auth/decorators.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { GetUserCreditsQuery } from '#libs/contracts/validation/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { pageOf } from '#libs/http/pagination.js';
import { CountReviewTasksQuery, ListReviewTasksQuery } from '../../application/queries/external-certificate-queries.handlers.js';
import { ExternalCertificatePageDto, ListReviewsQueryDto, ReviewCountDto, UserCreditsDto } from './validation.dto.js';

@ApiTags('external certificates')
@ApiBearerAuth()
@Controller('api/reviews')
export class ReviewsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({
    summary: 'Your validation tasks: pending ones assigned to you (or escalated to you as fallback reviewer), oldest first',
    description: 'state=validated|rejected: the ones you were assigned or decided.',
  })
  @ApiOkResponse({ type: ExternalCertificatePageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListReviewsQueryDto): Promise<ExternalCertificatePageDto> {
    const state = query.state === 'pending' ? 'pending_review' : query.state;
    const { items, total } = await this.queries.execute(new ListReviewTasksQuery(principal, { page: query.page, pageSize: query.pageSize, state }));
    return pageOf(items, total, query);
  }

  @Get('count')
  @ApiOperation({ summary: 'How many validation tasks wait for you' })
  @ApiOkResponse({ type: ReviewCountDto })
  count(@CurrentPrincipal() principal: Principal): Promise<ReviewCountDto> {
    return this.queries.execute(new CountReviewTasksQuery(principal));
  }
}

@ApiTags('external certificates')
@ApiBearerAuth()
@Controller('api/users')
export class UserCreditsController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/credits')
  @ApiOperation({ summary: 'A user’s credits from validated (or recorded) external certificates' })
  @ApiOkResponse({ type: UserCreditsDto })
  @ApiNotFoundResponse({ description: 'Unknown or outside your scope' })
  async credits(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<UserCreditsDto> {
    const credits = await this.queries.execute(new GetUserCreditsQuery(principal, id));
    if (!credits) throw notFound('VALIDATION.USER_NOT_FOUND');
    return credits;
  }
}
