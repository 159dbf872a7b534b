import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '#libs/auth/decorators.js';
import { AppConfig } from '#libs/config/app-config.js';
import { ListDefinitionChoicesQuery } from '#libs/contracts/certificates/definition-choices.js';
import { FindDefinitionsByIdsQuery } from '#libs/contracts/certificates/index.js';
import { DomainError, invalid } from '#libs/errors/domain-error.js';
import { inlineDisposition } from '#libs/http/content-disposition.js';
import { DEFAULT_LANGUAGE, isLanguage, negotiateLanguage, translate, type Language } from '#libs/i18n/i18n.js';
import { StoragePort } from '#libs/storage/storage.port.js';
import { ReviewCsrf } from '../../domain/review-link.js';
import { CertificateAccess } from '../../application/certificate-access.js';
import { displayName, People } from '../../application/people.js';
import { ReviewDecisions, type ReviewDecision, type ReviewEdits } from '../../application/review-decisions.js';
import { ReviewLinkAccess, type ResolvedReviewLink, type ReviewTaskView } from '../../application/review-link-access.js';
import { crossSitePage, deadLinkPage, decidedPage, PDF_CSP, REVIEW_PAGE_CSP, reviewFormPage, type DeadLinkCase, type ReviewFormModel } from './review-page.js';

/** The cookie of the review page's CSRF check (a random value; the form carries its HMAC with the link id). */
export const REVIEW_CSRF_COOKIE = 'cit_review_csrf';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_COMMENT = 2000;

type PostedFields = ReviewFormModel['fields'];

/** Thrown inside the decision's transaction when the link turns out dead under the lock (rolls it back). */
class DeadLink extends Error {
  constructor(readonly reason: DeadLinkCase) {
    super(reason);
  }
}

/**
 * The page behind the links in reviewers' mails (/review/<token>), for browsers: plain HTML, no JavaScript.
 * GET (and the PDF) never change anything: mail scanners open links by themselves. Only the POST of the
 * page's form decides, with its CSRF value, in one transaction with the link's check and use. Public on
 * purpose: the token is the credential. Rate limited per client address like every unauthenticated route.
 */
@ApiExcludeController()
@Controller('review')
export class ReviewPageController {
  constructor(
    private readonly access: ReviewLinkAccess,
    private readonly decisions: ReviewDecisions,
    private readonly queries: QueryBus,
    private readonly config: AppConfig,
    private readonly storage: StoragePort,
    private readonly orm: MikroORM,
    private readonly people: People,
    private readonly certificates: CertificateAccess,
  ) {}

  @Public()
  @Get(':token')
  async show(@Param('token') token: string, @Query('action') action: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    const resolved = await this.access.find(token);
    const reviewer = resolved ? await this.people.one(resolved.link.reviewerId) : undefined;
    const language = pageLanguage(request, reviewer?.language);
    if (!resolved) return this.sendDead(response, language, 'forged');
    if (resolved.status !== 'open') return this.sendDead(response, language, resolved.status, resolved.link.expiresAt);
    if (reviewer?.status !== 'active' || !(await this.certificates.isStillReviewer(resolved.link.reviewerId, resolved.task))) return this.sendDead(response, language, 'reassigned');
    const preselected = action === 'validate' || action === 'reject' ? action : undefined;
    await this.sendForm(request, response, 200, language, resolved, { preselected, fields: fieldsOf(resolved.task, '') });
  }

  @Public()
  @Get(':token/certificate.pdf')
  async pdf(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const resolved = await this.access.find(token);
    const reviewer = resolved ? await this.people.one(resolved.link.reviewerId) : undefined;
    const language = pageLanguage(request, reviewer?.language);
    if (!resolved) return this.sendDead(response, language, 'forged');
    if (resolved.status !== 'open') return this.sendDead(response, language, resolved.status, resolved.link.expiresAt);
    if (reviewer?.status !== 'active' || !(await this.certificates.isStillReviewer(resolved.link.reviewerId, resolved.task))) return this.sendDead(response, language, 'reassigned');
    const stream = await this.storage.open(resolved.task.fileKey);
    response
      .status(200)
      .setHeader('Content-Type', 'application/pdf')
      .setHeader('Content-Disposition', inlineDisposition(resolved.task.fileName))
      .setHeader('Content-Length', String(resolved.task.fileSize))
      .setHeader('X-Content-Type-Options', 'nosniff')
      .setHeader('Content-Security-Policy', PDF_CSP)
      .setHeader('Cache-Control', 'no-store')
      .setHeader('Referrer-Policy', 'no-referrer')
      .setHeader('X-Robots-Tag', 'noindex, nofollow');
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  }

  @Public()
  @Post(':token')
  async decide(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    if (!this.sameOrigin(request)) return sendPage(response, 403, pageLanguage(request), crossSitePage(pageLanguage(request), this.signInUrl()));
    const resolved = await this.access.find(token);
    const reviewer = resolved ? await this.people.one(resolved.link.reviewerId) : undefined;
    const language = pageLanguage(request, reviewer?.language);
    if (!resolved) return this.sendDead(response, language, 'forged');
    if (resolved.status !== 'open') return this.sendDead(response, language, resolved.status, resolved.link.expiresAt);
    if (reviewer?.status !== 'active' || !(await this.certificates.isStillReviewer(resolved.link.reviewerId, resolved.task))) return this.sendDead(response, language, 'reassigned');

    const fields: PostedFields = {
      name: formField(request, 'name'),
      deliveredOn: formField(request, 'deliveredOn'),
      expiresOn: formField(request, 'expiresOn'),
      definitionId: formField(request, 'definitionId'),
      comment: formField(request, 'comment'),
      originalDefinitionId: formField(request, 'originalDefinitionId'),
      version: formField(request, 'version'),
    };
    const action = formField(request, 'action');
    const preselected = action === 'validate' || action === 'reject' ? action : undefined;
    if (!ReviewCsrf.verify(this.config.authTokenSecret, resolved.link.id, readCookie(request, REVIEW_CSRF_COOKIE), formField(request, 'csrf'))) {
      return this.sendForm(request, response, 403, language, resolved, { preselected, fields, error: translate('VALIDATION.REVIEW_PAGE.CSRF_FAILED', language), freshCookie: true });
    }

    let certificateName = '';
    try {
      if (!preselected) throw invalid('VALIDATION.REVIEW_PAGE.CHOOSE_ACTION');
      await this.orm.em.fork().transactional(async (em) => {
        const locked = await this.access.lockForDecision(em, token);
        if (!locked) throw new DeadLink('forged');
        if (locked.status !== 'open') throw new DeadLink(locked.status);
        const decision = decisionFrom(preselected, fields, locked.task);
        await this.decisions.decide(em, locked.task.id, { via: 'link', reviewerId: locked.link.reviewerId }, decision);
        await this.access.markUsed(em, locked.link);
        certificateName = decision.edits.name ?? locked.task.name;
      });
    } catch (error) {
      if (error instanceof DeadLink) {
        const again = await this.access.find(token);
        return this.sendDead(response, language, again && again.status !== 'open' ? again.status : error.reason, resolved.link.expiresAt);
      }
      // The decision found the task moved on under its lock (decided meanwhile, or no longer this reviewer's).
      if (error instanceof DomainError && error.code === 'VALIDATION.ALREADY_DECIDED') return this.sendDead(response, language, 'decided');
      if (error instanceof DomainError && error.code === 'VALIDATION.NOT_REVIEWER') return this.sendDead(response, language, 'reassigned');
      // Someone else edited the task since this page was made: show what it is now; the link stays open.
      if (error instanceof DomainError && error.code === 'VALIDATION.VERSION_CONFLICT') {
        const now = await this.access.find(token);
        if (!now) return this.sendDead(response, language, 'forged');
        if (now.status !== 'open') return this.sendDead(response, language, now.status, now.link.expiresAt);
        return this.sendForm(request, response, 409, language, now, {
          preselected,
          fields: fieldsOf(now.task, fields.comment),
          error: translate('VALIDATION.REVIEW_PAGE.VERSION_CONFLICT', language),
        });
      }
      if (!(error instanceof DomainError) || error.kind !== 'validation') throw error;
      return this.sendForm(request, response, 400, language, resolved, { preselected, fields, error: translate(error.code, language, error.params) });
    }
    const learnerName = displayName(await this.people.one(resolved.task.userId)) ?? translate('VALIDATION.REVIEW_PAGE.UNKNOWN_USER', language);
    sendPage(response, 200, language, decidedPage(language, preselected!, learnerName, certificateName));
  }

  private async sendForm(
    request: Request,
    response: Response,
    status: number,
    language: Language,
    resolved: ResolvedReviewLink,
    form: { preselected?: 'validate' | 'reject'; fields: PostedFields; error?: string; freshCookie?: boolean },
  ): Promise<void> {
    const { task, link } = resolved;
    const [people, definitions] = await Promise.all([this.people.byIds([task.userId, task.uploadedBy]), this.definitionChoices(task.definitionId)]);
    const unknown = translate('VALIDATION.REVIEW_PAGE.UNKNOWN_USER', language);
    // One value per browser, reused while it is there: two review pages open side by side both work
    // (the field binds each to its own link).
    const existing = form.freshCookie ? undefined : readCookie(request, REVIEW_CSRF_COOKIE);
    const cookie = ReviewCsrf.isWellFormedCookieValue(existing) ? existing : ReviewCsrf.newCookieValue();
    const secure = this.config.publicUrl.startsWith('https:') ? '; Secure' : '';
    response.setHeader('Set-Cookie', `${REVIEW_CSRF_COOKIE}=${cookie}; Path=/review; HttpOnly; SameSite=Strict${secure}`);
    sendPage(
      response,
      status,
      language,
      reviewFormPage(language, {
        token: (request.params as { token: string }).token,
        csrfField: ReviewCsrf.fieldFor(this.config.authTokenSecret, link.id, cookie),
        preselected: form.preselected,
        learnerName: displayName(people.get(task.userId)) ?? unknown,
        uploaderName: displayName(people.get(task.uploadedBy)) ?? unknown,
        submittedAt: task.submittedAt,
        linkExpiresAt: link.expiresAt,
        current: {
          name: task.name,
          deliveredOn: task.deliveredOn,
          expiresOn: task.expiresOn,
          definitionId: task.definitionId,
          credits: task.credits,
          fileName: task.fileName,
        },
        fields: form.fields,
        definitions,
        error: form.error,
      }),
    );
  }

  /**
   * The catalogue's choices, always with the task's own definition among them (the list has a cut-off, and
   * the definition may have been deleted since): a select without it would show none chosen.
   */
  private async definitionChoices(current: string | null): Promise<ReviewFormModel['definitions']> {
    const choices: ReviewFormModel['definitions'] = await this.queries.execute(new ListDefinitionChoicesQuery());
    if (current === null || choices.some((choice) => choice.id === current)) return choices;
    const [found] = await this.queries.execute(new FindDefinitionsByIdsQuery([current]));
    const own = found ? { id: found.id, code: found.code, name: found.name } : { id: current, code: '', name: '', deleted: true };
    return [own, ...choices];
  }

  private sendDead(response: Response, language: Language, reason: DeadLinkCase, expiresAt?: Date): void {
    sendPage(response, reason === 'forged' ? 404 : 410, language, deadLinkPage(language, reason, this.signInUrl(), expiresAt));
  }

  private signInUrl(): string {
    return this.config.publicUrl;
  }

  /**
   * Refuses a POST whose Origin names another site. No Origin (older clients) and `null` are let through:
   * the page's Referrer-Policy no-referrer makes browsers send `Origin: null` on its own form; the CSRF
   * value (a SameSite=Strict cookie and its HMAC in the form) is what stops a forged form then.
   */
  private sameOrigin(request: Request): boolean {
    const origin = request.header('origin');
    if (origin === undefined || origin === 'null') return true;
    const own = [new URL(this.config.publicUrl).origin, `${request.protocol}://${request.header('host') ?? ''}`];
    return own.includes(origin);
  }
}

/** The form's fields for a task as it is now (and the comment to keep). */
export function fieldsOf(task: ReviewTaskView, comment: string): PostedFields {
  return {
    name: task.name,
    deliveredOn: task.deliveredOn,
    expiresOn: task.expiresOn ?? '',
    definitionId: task.definitionId ?? '',
    comment,
    originalDefinitionId: task.definitionId ?? '',
    version: String(task.version),
  };
}

/**
 * The decision a posted form asks for. Only a validation reads and applies the edit fields (a rejection
 * leaves the task as it is, whatever the fields say). The version the page was made from goes along
 * (a form without a readable one counts as out of date).
 */
export function decisionFrom(action: 'validate' | 'reject', fields: PostedFields, task: Pick<ReviewTaskView, 'name' | 'deliveredOn' | 'expiresOn' | 'definitionId'>): ReviewDecision {
  if (fields.comment.length > MAX_COMMENT) throw invalid('VALIDATION.REVIEW_PAGE.COMMENT_TOO_LONG', { max: MAX_COMMENT });
  const comment = fields.comment.trim() === '' ? null : fields.comment.trim();
  const version = /^\d{1,9}$/.test(fields.version) ? Number(fields.version) : -1;
  return { action, edits: action === 'validate' ? editsFrom(fields, task) : {}, comment, expectedVersion: version };
}

/**
 * The edits a posted form makes: only the fields whose value differs from the task's, checked for shape
 * (the decision checks the rules). A blank expiry or definition means none. The definition counts as
 * edited only when the choice differs from the one the form started with (its hidden original).
 */
export function editsFrom(fields: PostedFields, task: Pick<ReviewTaskView, 'name' | 'deliveredOn' | 'expiresOn' | 'definitionId'>): ReviewEdits {
  const edits: ReviewEdits = {};
  const name = fields.name.trim();
  if (name.length === 0 || name.length > 200) throw invalid('VALIDATION.REVIEW_PAGE.INVALID_NAME', { max: 200 });
  if (name !== task.name) edits.name = name;
  const deliveredOn = fields.deliveredOn.trim();
  if (!isDate(deliveredOn)) throw invalid('VALIDATION.REVIEW_PAGE.INVALID_DATE');
  if (deliveredOn !== task.deliveredOn) edits.deliveredOn = deliveredOn;
  const expiresOn = fields.expiresOn.trim() === '' ? null : fields.expiresOn.trim();
  if (expiresOn !== null && !isDate(expiresOn)) throw invalid('VALIDATION.REVIEW_PAGE.INVALID_DATE');
  if (expiresOn !== task.expiresOn) edits.expiresOn = expiresOn;
  const definitionId = fields.definitionId.trim() === '' ? null : fields.definitionId.trim().toLowerCase();
  const original = fields.originalDefinitionId.trim() === '' ? null : fields.originalDefinitionId.trim().toLowerCase();
  if (definitionId !== original) {
    if (definitionId !== null && !UUID.test(definitionId)) throw invalid('VALIDATION.REVIEW_PAGE.INVALID_DEFINITION');
    if (definitionId !== task.definitionId) edits.definitionId = definitionId;
  }
  return edits;
}

function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** The browser's language when it names one we have, else the reviewer's, else English. */
function pageLanguage(request: Request, accountLanguage?: string): Language {
  return negotiateLanguage(request.header('accept-language')) ?? (isLanguage(accountLanguage) ? accountLanguage : DEFAULT_LANGUAGE);
}

/** A field of the urlencoded form; anything but one string (missing, repeated) counts as empty. */
function formField(request: Request, name: string): string {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.header('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function sendPage(response: Response, status: number, language: Language, html: string): void {
  response
    .status(status)
    .setHeader('Content-Security-Policy', REVIEW_PAGE_CSP)
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('Cache-Control', 'no-store')
    .setHeader('X-Frame-Options', 'DENY')
    .setHeader('X-Robots-Tag', 'noindex, nofollow')
    .setHeader('Content-Language', language)
    .type('text/html; charset=utf-8')
    .send(html);
}
