import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '#libs/auth/decorators.js';
import { Permissions } from '#libs/contracts/users/index.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { MailCatcher } from '#libs/runtime/mail-catcher.js';

/** Only mounted while the built-in mail catcher runs (no SMTP_URL configured). */
@ApiTags('mail-catcher')
@ApiBearerAuth()
@Controller('api/dev/mails')
export class MailCatcherController {
  constructor(private readonly catcher: MailCatcher) {}

  @Get()
  @RequirePermissions(Permissions.MailCatcherRead)
  @ApiOperation({ summary: 'Mails caught by the built-in SMTP catcher, newest first (bodies left out)' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'object' } } })
  list() {
    return this.catcher.list().map(({ id, receivedAt, subject, from, to, size, attachments }) => ({
      id,
      receivedAt,
      subject,
      from,
      to,
      size,
      attachments: attachments.length,
    }));
  }

  @Get(':id')
  @RequirePermissions(Permissions.MailCatcherRead)
  @ApiOperation({ summary: 'One caught mail with its headers, text and HTML' })
  get(@Param('id') id: string) {
    const mail = this.catcher.get(id);
    if (!mail) throw new DomainError('COMMON.NOT_FOUND', 'not_found');
    return mail;
  }
}
