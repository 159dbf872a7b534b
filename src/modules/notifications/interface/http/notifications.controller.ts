import { EntityManager } from '@mikro-orm/postgresql';
import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import { CurrentPrincipal } from '#libs/auth/decorators.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { notFound } from '#libs/errors/domain-error.js';
import { pickLanguage } from '#libs/http/problem-details.filter.js';
import { translate } from '#libs/i18n/i18n.js';

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

/** In-app notifications of the signed-in user. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly em: EntityManager) {}

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
}
