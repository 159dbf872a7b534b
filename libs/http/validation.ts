import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '#libs/errors/domain-error.js';
import { registerMessages } from '#libs/i18n/i18n.js';

registerMessages({
  en: { 'COMMON.INVALID_FIELD': '{field}: {constraint}' },
  nl: { 'COMMON.INVALID_FIELD': '{field}: {constraint}' },
});

function flatten(errors: ValidationError[], prefix = ''): { field: string; code: string; params: Record<string, unknown> }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((constraint) => ({
      field,
      code: 'COMMON.INVALID_FIELD',
      params: { constraint },
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Request DTO validation: unknown fields are rejected, every problem is listed with its field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new DomainError('COMMON.VALIDATION_FAILED', 'validation', { count: details.length }, details);
    },
  });
}
