import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Principal } from '#libs/contracts/users/index.js';
import { CreditLedger, type CreditEntry } from '../credit-ledger.js';

/** Platform admins add credits; idempotent on the key (a retried request adds nothing). */
export class TopUpCreditsCommand extends Command<CreditEntry> {
  constructor(
    readonly principal: Principal,
    readonly amount: number,
    readonly key?: string,
    readonly reason?: string,
  ) {
    super();
  }
}

@CommandHandler(TopUpCreditsCommand)
export class TopUpCreditsHandler implements ICommandHandler<TopUpCreditsCommand> {
  constructor(
    private readonly em: EntityManager,
    private readonly ledger: CreditLedger,
  ) {}

  execute({ principal, amount, key, reason }: TopUpCreditsCommand) {
    return this.em.transactional((em) => this.ledger.topUp(em, { key: key ?? `top-up:${randomUUID()}`, amount, reason, by: principal.userId }));
  }
}
