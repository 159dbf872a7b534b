import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOperation, ApiProperty, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { Request } from 'express';
import { Public } from '#libs/auth/decorators.js';
import { RequestPasswordResetCommand } from '../../application/commands/request-password-reset/request-password-reset.handler.js';

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'leo@example.com' }) @IsString() @MaxLength(320) email: string;
}

export class PasswordResetAcceptedDto {
  @ApiProperty({ example: 'accepted' }) status: 'accepted';
}

@ApiTags('auth')
@Controller('api/auth')
export class PasswordResetController {
  constructor(private readonly commands: CommandBus) {}

  @Public()
  @Post('password-reset')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Forgot password: when an active account has this email address, it is mailed a one-time link to set a new password ' +
      '(valid PASSWORD_LINK_RESET_MINUTES; at most one mail per account per PASSWORD_RESET_MIN_INTERVAL_MINUTES). ' +
      'Always 202 with the same body, whether or not the address exists',
  })
  @ApiAcceptedResponse({ type: PasswordResetAcceptedDto })
  @ApiTooManyRequestsResponse({ description: 'Too many requests from this address (USERS.PASSWORD_RESET_THROTTLED); Retry-After says when to try again' })
  async requestReset(@Body() body: PasswordResetRequestDto, @Req() request: Request): Promise<PasswordResetAcceptedDto> {
    await this.commands.execute(new RequestPasswordResetCommand(body.email, request.ip ?? 'unknown'));
    return { status: 'accepted' };
  }
}
