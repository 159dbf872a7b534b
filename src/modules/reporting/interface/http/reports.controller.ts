import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { CertificatesPerMonthQuery } from '../../application/queries/certificates-per-month.handler.js';
import { ImportsPerDayQuery } from '../../application/queries/imports-per-day.handler.js';
import { CredentialRenewalsQuery } from '../../application/queries/credential-renewals.handler.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ImportsPerDayQueryDto {
  @ApiPropertyOptional({ example: 'obtained-certificates' }) @IsOptional() @IsString() @MaxLength(100) importType?: string;
  @ApiPropertyOptional({ example: '2026-11-01' }) @IsOptional() @Matches(DAY, { message: 'from must be a date as YYYY-MM-DD' }) @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ example: '2026-11-30' }) @IsOptional() @Matches(DAY, { message: 'to must be a date as YYYY-MM-DD' }) @IsISO8601({ strict: true }) to?: string;
}

export class ImportsPerDayDto {
  @ApiProperty({ example: '2026-11-21' }) day: string;
  @ApiProperty() importType: string;
  @ApiProperty() validateOnly: boolean;
  @ApiProperty() imports: number;
  @ApiProperty() importsFailed: number;
  @ApiProperty() rowsSucceeded: number;
  @ApiProperty() rowsFailed: number;
  @ApiProperty() rowsSkipped: number;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export class CertificatesPerMonthQueryDto {
  @ApiPropertyOptional({ example: 'VCA-BASIS' }) @IsOptional() @IsString() @MaxLength(64) definitionCode?: string;
  @ApiPropertyOptional({ example: '2026-01', description: 'First month, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'from must be a month as YYYY-MM' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-12', description: 'Last month, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'to must be a month as YYYY-MM' })
  to?: string;
}

export class CertificatesPerMonthDto {
  @ApiProperty() definitionId: string;
  @ApiProperty({ example: 'VCA-BASIS' }) definitionCode: string;
  @ApiProperty({ example: '2026-03' }) month: string;
  @ApiProperty() certificates: number;
}

export class CredentialRenewalsQueryDto {
  @ApiPropertyOptional({ example: '2026-01', description: 'First month, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'from must be a month as YYYY-MM' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-12', description: 'Last month, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'to must be a month as YYYY-MM' })
  to?: string;
}

export class CredentialRenewalsDto {
  @ApiProperty({ example: '2026-11' }) month: string;
  @ApiProperty() groupId: string;
  @ApiProperty() groupName: string;
  @ApiProperty({ description: 'Renewals (expired credentials given a future expiry), less undone ones' }) renewals: number;
  @ApiProperty({ description: 'Credits debited for the group, less refunds' }) creditsUsed: number;
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/reports')
export class ReportsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('certificates-per-month')
  @RequirePermissions(Permissions.ReportingRead)
  @ApiOperation({
    summary: 'Certificates obtained per definition and month (by date obtained)',
    description: 'A read model fed by events: a registration shows up here shortly after it was committed. Counts only users in your scope (all users for platform admins).',
  })
  @ApiOkResponse({ type: [CertificatesPerMonthDto] })
  certificatesPerMonth(@CurrentPrincipal() principal: Principal, @Query() query: CertificatesPerMonthQueryDto): Promise<CertificatesPerMonthDto[]> {
    return this.queries.execute(new CertificatesPerMonthQuery(principal, query));
  }

  @Get('imports-per-day')
  @RequirePermissions(Permissions.ReportingRead)
  @ApiOperation({ summary: 'Imports and their rows per day, type and outcome (fed by ImportCompleted events); only imports started by users in your scope' })
  @ApiOkResponse({ type: [ImportsPerDayDto] })
  importsPerDay(@CurrentPrincipal() principal: Principal, @Query() query: ImportsPerDayQueryDto): Promise<ImportsPerDayDto[]> {
    return this.queries.execute(new ImportsPerDayQuery(principal, query));
  }

  @Get('credential-renewals')
  @RequirePermissions(Permissions.ReportingRead)
  @ApiOperation({
    summary: 'Credential renewals and credits used per month and credential group (fed by CredentialRenewed, CreditsDebited and CreditsRefunded)',
    description: 'Only the credential groups you manage (all for platform admins). An undone renewal is taken off the month it was made in.',
  })
  @ApiOkResponse({ type: [CredentialRenewalsDto] })
  credentialRenewals(@CurrentPrincipal() principal: Principal, @Query() query: CredentialRenewalsQueryDto): Promise<CredentialRenewalsDto[]> {
    return this.queries.execute(new CredentialRenewalsQuery(principal, query));
  }
}
