import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '#libs/auth/decorators.js';
import { DomainError } from '#libs/errors/domain-error.js';
import { DEFAULT_LANGUAGE, negotiateLanguage, translate, type Language } from '#libs/i18n/i18n.js';
import { RequestPasswordResetCommand } from '../../application/commands/request-password-reset/request-password-reset.handler.js';
import { SetPasswordWithLinkCommand } from '../../application/commands/set-password-with-link/set-password-with-link.handler.js';
import { GetOpenPasswordLinkQuery } from '../../application/queries/password-link.queries.js';
import {
  deadLinkPage,
  newLinkRequestedPage,
  passwordSetPage,
  SET_PASSWORD_PAGE_CSP,
  setPasswordFormPage,
} from './set-password-page.js';

/**
 * The page behind the links in welcome and password reset mails (/account/set-password?token=...), for
 * browsers: plain HTML forms (application/x-www-form-urlencoded), no JavaScript. GET only shows the form;
 * the link is used by the POST. Public on purpose: the token is the credential.
 */
@ApiExcludeController()
@Controller('account')
export class SetPasswordController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Public()
  @Get('set-password')
  async form(@Query('token') token: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    const link = typeof token === 'string' ? await this.queries.execute(new GetOpenPasswordLinkQuery(token)) : undefined;
    const language = pageLanguage(request, link?.language);
    if (!link) return sendPage(response, 410, language, deadLinkPage(language));
    sendPage(response, 200, language, setPasswordFormPage(language, token as string));
  }

  @Public()
  @Post('set-password')
  async submit(@Req() request: Request, @Res() response: Response): Promise<void> {
    const token = formField(request, 'token');
    const language = pageLanguage(request);
    try {
      await this.commands.execute(new SetPasswordWithLinkCommand(token, formField(request, 'password'), formField(request, 'confirmation')));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'USERS.PASSWORD_LINK_DEAD') return sendPage(response, 410, language, deadLinkPage(language));
      if (error.kind !== 'validation') throw error;
      return sendPage(response, 400, language, setPasswordFormPage(language, token, translate(error.code, language, error.params)));
    }
    sendPage(response, 200, language, passwordSetPage(language));
  }

  /** The dead-link page's "send me a new link": the same as POST /api/auth/password-reset, as a page. */
  @Public()
  @Post('forgot-password')
  async forgotPassword(@Req() request: Request, @Res() response: Response): Promise<void> {
    const language = pageLanguage(request);
    try {
      await this.commands.execute(new RequestPasswordResetCommand(formField(request, 'email'), request.ip ?? 'unknown'));
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'too_many_requests') throw error;
      response.setHeader('Retry-After', String(error.params.retryAfterSeconds ?? 60));
      return sendPage(response, 429, language, deadLinkPage(language, translate('USERS.PASSWORD_PAGE.TOO_MANY', language)));
    }
    sendPage(response, 200, language, newLinkRequestedPage(language));
  }
}

/** The browser's language when it names one we have, else the account's, else English. */
function pageLanguage(request: Request, accountLanguage?: Language): Language {
  return negotiateLanguage(request.header('accept-language')) ?? accountLanguage ?? DEFAULT_LANGUAGE;
}

/** A field of the urlencoded form; anything but one string (missing, repeated) counts as empty. */
function formField(request: Request, name: string): string {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

function sendPage(response: Response, status: number, language: Language, html: string): void {
  response
    .status(status)
    .setHeader('Content-Security-Policy', SET_PASSWORD_PAGE_CSP)
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('Cache-Control', 'no-store')
    .setHeader('X-Frame-Options', 'DENY')
    .setHeader('X-Robots-Tag', 'noindex, nofollow')
    .setHeader('Content-Language', language)
    .type('text/html; charset=utf-8')
    .send(html);
}
