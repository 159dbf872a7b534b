import { OutboxMessageSchema } from '#libs/outbox/outbox-message.js';
import { CERTIFICATES_ENTITIES } from '../modules/certificates/infrastructure/certificates.schemas.js';
import { IMPORTS_ENTITIES } from '../modules/imports/infrastructure/imports.schemas.js';
import { USERS_ENTITIES } from '../modules/users/infrastructure/users.schemas.js';

/** Every entity mapping of every module; MikroORM needs the whole set at start. */
export const ALL_ENTITIES = [OutboxMessageSchema, ...USERS_ENTITIES, ...CERTIFICATES_ENTITIES, ...IMPORTS_ENTITIES];
