import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, type Principal } from '#libs/contracts/users/index.js';
import { CertificatesPerMonthQuery } from '../../application/queries/certificates-per-month.handler.js';
import { ImportsPerDayQuery } from '../../application/queries/imports-per-day.handler.js';
import { ReviewsReportQuery } from '../../application/queries/reviews.handler.js';
import { LicencesExpiringQuery } from '../../application/queries/licences-expiring.handler.js';
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

/** A range of months, both ends optional, for the reports counted per month. */
export class MonthRangeQueryDto {
  @ApiPropertyOptional({ example: '2026-01', description: 'First month, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'from must be a month as YYYY-MM' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-12', description: 'Last month, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'to must be a month as YYYY-MM' })
  to?: string;
}

export class CertificatesPerMonthQueryDto extends MonthRangeQueryDto {
  @ApiPropertyOptional({ example: 'VCA-BASIS' }) @IsOptional() @IsString() @MaxLength(64) definitionCode?: string;
}

export class CertificatesPerMonthDto {
  @ApiProperty() definitionId: string;
  @ApiProperty({ example: 'VCA-BASIS' }) definitionCode: string;
  @ApiProperty({ example: '2026-03' }) month: string;
  @ApiProperty() certificates: number;
}

export class ReviewsQueryDto {
  @ApiPropertyOptional({ example: '2026-01', description: 'First month of submission, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'from must be a month as YYYY-MM' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-12', description: 'Last month of submission, YYYY-MM' })
  @IsOptional()
  @Matches(MONTH, { message: 'to must be a month as YYYY-MM' })
  to?: string;
  @ApiPropertyOptional({ description: 'Only the tasks of this reviewer' }) @IsOptional() @IsUUID() reviewerId?: string;
}

export class ReviewCountsDto {
  @ApiProperty({ description: 'Tasks not decided yet' }) pending: number;
  @ApiProperty() validated: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Median hours from submission to decision over the decided tasks; null without any' })
  medianHoursToReview: number | null;
}

export class ReviewsPerReviewerMonthDto extends ReviewCountsDto {
  @ApiProperty() reviewerId: string;
  @ApiProperty({ example: '2026-11', description: 'Month of submission (UTC)' }) month: string;
}

export class ReviewsReportDto {
  @ApiProperty({ type: [ReviewsPerReviewerMonthDto] }) rows: ReviewsPerReviewerMonthDto[];
  @ApiProperty({ type: ReviewCountsDto }) overall: ReviewCountsDto;
}

export class LicencesExpiringQueryDto {
  @ApiPropertyOptional({ example: 'FORKLIFT-LIC' }) @IsOptional() @IsString() @MaxLength(64) typeCode?: string;
}

export class LicencesExpiringTypeDto {
  @ApiProperty() typeId: string;
  @ApiProperty({ example: 'FORKLIFT-LIC' }) typeCode: string;
  @ApiProperty({ nullable: true, type: String }) typeName: string | null;
  @ApiProperty({ description: 'Expiring from today to today + 30 days (inclusive)' }) within30Days: number;
  @ApiProperty({ description: 'Expiring from today to today + 60 days (includes the 30)' }) within60Days: number;
  @ApiProperty({ description: 'Expiring from today to today + 90 days (includes the 60)' }) within90Days: number;
}

export class LicencesExpiringDto {
  @ApiProperty({ example: '2026-11-30', description: 'The day the windows start from' }) asOf: string;
  @ApiProperty({ type: [LicencesExpiringTypeDto] }) types: LicencesExpiringTypeDto[];
}

export class CredentialRenewalsQueryDto extends MonthRangeQueryDto {}

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

  @Get('reviews')
  @RequirePermissions(Permissions.ReportingRead)
  @ApiOperation({
    summary: 'External certificate reviews per reviewer and month of submission: pending, validated, rejected, median hours to review; and overall',
    description: 'A read model fed by the Validation module\'s events. Counts only tasks of learners in your scope. Also at /api/reporting/reviews.',
  })
  @ApiOkResponse({ type: ReviewsReportDto })
  reviews(@CurrentPrincipal() principal: Principal, @Query() query: ReviewsQueryDto): Promise<ReviewsReportDto> {
    return this.queries.execute(new ReviewsReportQuery(principal, query));
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

  @Get('licences-expiring')
  @RequirePermissions(Permissions.ReportingRead)
  @ApiOperation({
    summary: 'Licences expiring in the next 30, 60 and 90 days, per licence type',
    description: 'A read model fed by the Licences events (LicenceAdded, LicenceChanged, LicenceRemoved). Counts only licences of users in your scope (all users for platform admins).',
  })
  @ApiOkResponse({ type: LicencesExpiringDto })
  licencesExpiring(@CurrentPrincipal() principal: Principal, @Query() query: LicencesExpiringQueryDto): Promise<LicencesExpiringDto> {
    return this.queries.execute(new LicencesExpiringQuery(principal, query.typeCode));
  }
}

/** The reviews report under the path the design uses (/api/reporting/...): the same query. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('api/reporting')
export class ReportingAliasController {
  constructor(private readonly queries: QueryBus) {}

  @Get('reviews')
  @RequirePermissions(Permissions.ReportingRead)
  @ApiOperation({ summary: 'Same as GET /api/reports/reviews' })
  @ApiOkResponse({ type: ReviewsReportDto })
  reviews(@CurrentPrincipal() principal: Principal, @Query() query: ReviewsQueryDto): Promise<ReviewsReportDto> {
    return this.queries.execute(new ReviewsReportQuery(principal, query));
  }
}
