import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Public } from '#libs/auth/decorators.js';
import type { Principal } from '#libs/contracts/users/index.js';
import { AppConfig } from '#libs/config/app-config.js';
import { AuthenticationService } from '../../application/authentication.service.js';
import { LOGIN_DEVICE_COOKIE } from '../../domain/login-device.js';
import { ChangeOwnPasswordCommand } from '../../application/commands/change-own-password/change-own-password.handler.js';
import { IssueApiTokenCommand } from '../../application/commands/issue-api-token/issue-api-token.handler.js';
import { RevokeApiTokenCommand } from '../../application/commands/revoke-api-token/revoke-api-token.handler.js';
import { SignOutCommand } from '../../application/commands/sign-out/sign-out.handler.js';
import { ListApiTokensQuery } from '../../application/queries/directory-queries.handlers.js';
import { ApiTokenDto, ChangePasswordDto, IssueApiTokenDto, IssuedApiTokenDto, LoginDto, LoginResponseDto, MeDto } from './users.dto.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly authentication: AuthenticationService,
    private readonly config: AppConfig,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in with email and password; returns a short-lived bearer token, and on the first sign-in from a browser ' +
      'a device cookie (HttpOnly, SameSite=Strict, path /api/auth) that keeps that device out of throttling caused by others',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (problem+json, USERS.INVALID_CREDENTIALS)' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts; Retry-After says when to try again' })
  async login(@Body() body: LoginDto, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<LoginResponseDto> {
    const { accessToken, expiresAt, deviceCookie } = await this.authentication.login(
      body.email,
      body.password,
      request.ip ?? 'unknown',
      readCookie(request, LOGIN_DEVICE_COOKIE),
    );
    if (deviceCookie) {
      const secure = this.config.publicUrl.startsWith('https:') ? '; Secure' : '';
      const maxAge = this.config.loginDeviceCookieDays * 86_400;
      response.setHeader('Set-Cookie', `${LOGIN_DEVICE_COOKIE}=${deviceCookie}; Path=/api/auth; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`);
    }
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.accessTokenTtlSeconds, expiresAt: expiresAt.toISOString() };
  }

  @Post('password')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Change your own password with your current one. Ends every session and revokes your API tokens; ' +
      'you get a new access token and a mail saying the password was changed. Needs a signed-in session, not an API token.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  async changePassword(@CurrentPrincipal() principal: Principal, @Body() body: ChangePasswordDto, @Req() request: Request): Promise<LoginResponseDto> {
    const { accessToken, expiresAt } = await this.commands.execute(
      new ChangeOwnPasswordCommand(principal, body.currentPassword, body.newPassword, request.ip ?? 'unknown', readCookie(request, LOGIN_DEVICE_COOKIE)),
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.accessTokenTtlSeconds, expiresAt: expiresAt.toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Sign out: the access token of this request is refused from now on, and so is what it opened (stream tickets, open event streams); ' +
      "your other sessions go on. Needs a signed-in session: revoke an API token with DELETE /api/auth/api-tokens/{id}.",
  })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiForbiddenResponse({ description: 'Called with an API token (problem+json, USERS.SIGNED_IN_SESSION_REQUIRED)' })
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.commands.execute(new SignOutCommand(principal));
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who the token belongs to, with roles and permissions' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    const { userId, email, displayName, language, roles, permissions, authenticatedWith } = principal;
    return { userId, email, displayName, language, roles, permissions, authenticatedWith };
  }

  @Post('api-tokens')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create a personal API token for an integration (the secret is returned once). Only from a signed-in session, not with another API token; it expires (default API_TOKEN_DEFAULT_TTL_DAYS, at most API_TOKEN_MAX_TTL_DAYS)' })
  @ApiOkResponse({ type: IssuedApiTokenDto })
  async issue(@CurrentPrincipal() principal: Principal, @Body() body: IssueApiTokenDto): Promise<IssuedApiTokenDto> {
    const issued = await this.commands.execute(new IssueApiTokenCommand(principal, body.name, body.expiresInDays ?? null));
    return { id: issued.id, token: issued.token, expiresAt: issued.expiresAt.toISOString() };
  }

  @Get('api-tokens')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Your personal API tokens (never the secrets)' })
  @ApiOkResponse({ type: [ApiTokenDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<ApiTokenDto[]> {
    return this.queries.execute(new ListApiTokensQuery(principal));
  }

  @Delete('api-tokens/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke one of your API tokens' })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.commands.execute(new RevokeApiTokenCommand(principal, id));
  }
}

function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.header('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
