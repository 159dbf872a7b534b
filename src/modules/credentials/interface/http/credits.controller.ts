import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { pageOf } from '#libs/http/pagination.js';
import { TopUpCreditsCommand } from '../../application/commands/credits.handlers.js';
import { GetCreditBalanceQuery, ListCreditEntriesQuery } from '../../application/queries/credential-queries.handlers.js';
import { CreditBalanceDto, CreditEntryDto, CreditEntryPageDto, ListCreditEntriesQueryDto, TopUpDto } from './credentials.dto.js';

@ApiTags('credits')
@ApiBearerAuth()
@Controller('api/credits')
export class CreditsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermissions(Permissions.CreditsRead)
  @ApiOperation({ summary: "The organisation's credit balance (renewals cost one credit each)" })
  @ApiOkResponse({ type: CreditBalanceDto })
  balance(): Promise<CreditBalanceDto> {
    return this.queries.execute(new GetCreditBalanceQuery());
  }

  @Get('entries')
  @RequirePermissions(Permissions.CreditsRead)
  @ApiOperation({ summary: 'The ledger: top-ups, debits and refunds, newest first (callers who do not manage every credential group: only the entries of groups they manage, no top-ups)' })
  @ApiOkResponse({ type: CreditEntryPageDto })
  async entries(@CurrentPrincipal() principal: Principal, @Query() query: ListCreditEntriesQueryDto): Promise<CreditEntryPageDto> {
    const { items, total } = await this.queries.execute(new ListCreditEntriesQuery(query, principal));
    return pageOf(items, total, query);
  }

  @Post('top-ups')
  @RequirePermissions(Permissions.CreditsManage)
  @ApiOperation({ summary: 'Add credits (platform admins); idempotent on key: the same key again adds nothing and answers the first entry' })
  @ApiCreatedResponse({ type: CreditEntryDto })
  topUp(@CurrentPrincipal() principal: Principal, @Body() body: TopUpDto): Promise<CreditEntryDto> {
    return this.commands.execute(new TopUpCreditsCommand(principal, body.amount, body.key, body.reason));
  }
}
