import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AllocateCertificateNumbersCommand } from '#libs/contracts/certificates/index.js';
import { CertificateNumberAllocator } from '../../../infrastructure/certificate-number-allocator.js';
import { Catalogue } from '../../catalogue.js';

/** A block of automatic numbers for an import chunk, taken in one statement. */
@CommandHandler(AllocateCertificateNumbersCommand)
export class AllocateCertificateNumbersHandler implements ICommandHandler<AllocateCertificateNumbersCommand> {
  constructor(
    private readonly catalogue: Catalogue,
    private readonly numbers: CertificateNumberAllocator,
  ) {}

  async execute({ definitionId, count, preview }: AllocateCertificateNumbersCommand): Promise<string[]> {
    const definition = await this.catalogue.definitionById(definitionId);
    return preview ? this.numbers.preview(definition, count) : this.numbers.allocate(definition, count);
  }
}
