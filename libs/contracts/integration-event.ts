/**
 * An event one module publishes for others. It travels through the transactional outbox, so its
 * payload must be plain JSON. `type` is versioned: change the payload shape, add a new version.
 */
export interface IntegrationEvent<TPayload extends object = object> {
  readonly type: string;
  readonly payload: TPayload;
}

/** What a subscriber receives: the event as recorded in the outbox, with its id and time. */
export interface DeliveredEvent<TPayload extends object = object> {
  id: string;
  type: string;
  occurredAt: string;
  payload: TPayload;
}

export interface IntegrationEventClass<TPayload extends object> {
  readonly type: string;
  new (payload: TPayload): IntegrationEvent<TPayload>;
}

/** Declares an event class with a fixed type name: `class X extends defineEvent<P>('module.x.v1') {}` */
export function defineEvent<TPayload extends object>(type: string) {
  return class implements IntegrationEvent<TPayload> {
    static readonly type = type;
    readonly type = type;
    constructor(readonly payload: TPayload) {}
  };
}
