import { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { Type } from 'class-transformer';
import { IsDate, IsEmail, IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import { CurrentPrincipal, RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions, ResolveUserScopeQuery, type Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { PageMetaDto, PageQueryDto, pageOf, type Page } from '#libs/http/pagination.js';
import { pickLanguage } from '#libs/http/problem-details.filter.js';
import { translate } from '#libs/i18n/i18n.js';
import { MAIL_TEMPLATE_NAMES } from '../../domain/mail-template.js';
import { MailDeliveryLog, type DeliveryRow, type DeliveryStatus } from '../../infrastructure/mail-delivery-log.js';

const DELIVERY_STATUSES: DeliveryStatus[] = ['queued', 'sending', 'sent', 'failed'];

class NotificationDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'import-completed' }) kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) link: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) readAt: string | null;
}

class ListNotificationsQueryDto {
  @ApiPropertyOptional({ enum: ['unread', 'all'], default: 'all' }) @IsOptional() @IsIn(['unread', 'all']) filter?: 'unread' | 'all';
}

class UnreadCountDto {
  @ApiProperty() unread: number;
}

class ReadAllDto {
  @ApiProperty({ description: 'Notifications marked read now' }) marked: number;
}

class MailDeliveryDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The event that asked for the mail' }) eventId: string;
  @ApiProperty({ enum: MAIL_TEMPLATE_NAMES }) template: string;
  @ApiProperty() recipientUserId: string;
  @ApiProperty() recipientEmail: string;
  @ApiProperty({ example: 'nl' }) language: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty({ description: 'Times sending was started' }) attempts: number;
  @ApiProperty({ nullable: true, type: String, description: "The SMTP server's reply once it accepted the mail" }) smtpResponse: string | null;
  @ApiProperty({ nullable: true, type: String }) messageId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the last attempt failed' }) failureReason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: String }) sentAt: string | null;
}

class MailDeliveryPageDto {
  @ApiProperty({ type: [MailDeliveryDto] }) items: MailDeliveryDto[];
  @ApiProperty({ type: PageMetaDto }) meta: PageMetaDto;
}

class ListMailDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES }) @IsOptional() @IsIn(DELIVERY_STATUSES) status?: DeliveryStatus;
  @ApiPropertyOptional({ enum: MAIL_TEMPLATE_NAMES }) @IsOptional() @IsIn(MAIL_TEMPLATE_NAMES) template?: string;
  @ApiPropertyOptional({ description: 'Recipient email address (exact, case-insensitive)' }) @IsOptional() @IsEmail() recipient?: string;
  @ApiPropertyOptional({ description: 'Only deliveries created at or after this time (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;
}

/** In-app notifications of the signed-in user, and the mail delivery log of the users in their scope. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationsController {
  constructor(
    private readonly em: EntityManager,
    private readonly queries: QueryBus,
    private readonly deliveries: MailDeliveryLog,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your notifications, newest first (the last 100)' })
  @ApiOkResponse({ type: [NotificationDto] })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListNotificationsQueryDto, @Req() request: Request): Promise<NotificationDto[]> {
    const language = pickLanguage(request);
    const rows = await this.em.execute<{ id: string; kind: string; title_key: string; params: Record<string, unknown>; link: string | null; created_at: Date; read_at: Date | null }[]>(
      `select id, kind, title_key, params, link, created_at, read_at from in_app_notifications
        where user_id = ? ${query.filter === 'unread' ? 'and read_at is null' : ''} order by created_at desc limit 100`,
      [principal.userId],
    );
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      title: translate(row.title_key, language, row.params),
      link: row.link,
      createdAt: new Date(row.created_at).toISOString(),
      readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
    }));
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark a notification as read' })
  async read(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    const rows = await this.em.execute(`update in_app_notifications set read_at = coalesce(read_at, now()) where id = ? and user_id = ? returning id`, [id, principal.userId]);
    if (rows.length === 0) throw notFound('NOTIFICATIONS.NOTIFICATION_NOT_FOUND');
  }

  @Get('unread-count')
  @ApiOperation({ summary: 'How many of your notifications are unread' })
  @ApiOkResponse({ type: UnreadCountDto })
  async unreadCount(@CurrentPrincipal() principal: Principal): Promise<UnreadCountDto> {
    const [row] = await this.em.execute<{ unread: string }[]>(`select count(*) as unread from in_app_notifications where user_id = ? and read_at is null`, [principal.userId]);
    return { unread: Number(row.unread) };
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark all your notifications as read' })
  @ApiOkResponse({ type: ReadAllDto })
  async readAll(@CurrentPrincipal() principal: Principal): Promise<ReadAllDto> {
    const rows = await this.em.execute(`update in_app_notifications set read_at = now() where user_id = ? and read_at is null returning id`, [principal.userId]);
    return { marked: rows.length };
  }

  @Get('deliveries')
  @RequirePermissions(Permissions.NotificationDeliveriesRead)
  @ApiOperation({ summary: 'The mail delivery log: mails to users in your scope, newest first' })
  @ApiOkResponse({ type: MailDeliveryPageDto })
  async listDeliveries(@CurrentPrincipal() principal: Principal, @Query() query: ListMailDeliveriesQueryDto): Promise<Page<MailDeliveryDto>> {
    const scope = await this.queries.execute(new ResolveUserScopeQuery(principal));
    const { rows, total } = await this.deliveries.list(
      {
        recipientUserIds: scope.kind === 'all' ? undefined : scope.userIds,
        status: query.status,
        template: query.template,
        recipientEmail: query.recipient,
        since: query.since,
      },
      query,
    );
    return pageOf(rows.map(toDeliveryDto), total, query);
  }
}

function toDeliveryDto(row: DeliveryRow): MailDeliveryDto {
  const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
  return {
    id: row.id,
    eventId: row.event_id,
    template: row.template,
    recipientUserId: row.recipient_user_id,
    recipientEmail: row.recipient_email,
    language: row.language,
    status: row.status,
    attempts: row.attempts,
    smtpResponse: row.smtp_response,
    messageId: row.message_id,
    failureReason: row.failure_reason,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    sentAt: iso(row.sent_at),
  };
}
