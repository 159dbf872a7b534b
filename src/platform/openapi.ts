import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/**
 * The API's OpenAPI document. One function for the served /api/docs, `npm run api:types` (which generates the
 * web app's types from it: web/src/api/schema.d.ts) and the test that fails when that file is stale.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Credential Import API')
      .setDescription(
        'Bulk import and review of certificates and credentials. Errors are application/problem+json (RFC 9457) ' +
          'with a stable `code`; send Accept-Language: nl for Dutch messages.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Access token from POST /api/auth/login, or a personal API token (cit_...)' })
      .build(),
  );
}
