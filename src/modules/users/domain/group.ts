import { randomUUID } from 'node:crypto';
import { invalid } from '#libs/errors/domain-error.js';

/** A node of the organisation tree. Members and group admins are kept beside it (see the repository). */
export class Group {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: Date;

  static create(name: string, parentId: string | null): Group {
    const group = new Group();
    group.id = randomUUID();
    group.createdAt = new Date();
    group.parentId = parentId;
    group.rename(name);
    return group;
  }

  rename(name: string): void {
    const trimmed = name.trim();
    if (!trimmed) throw invalid('USERS.GROUP_NAME_REQUIRED');
    this.name = trimmed;
  }

  /**
   * Moves the group under `parentId`. `ancestorsOfNewParent` are the ids from the new parent up to
   * the root; the group may not appear among them (that would make a cycle).
   */
  moveTo(parentId: string | null, ancestorsOfNewParent: string[]): void {
    if (parentId !== null && (parentId === this.id || ancestorsOfNewParent.includes(this.id))) {
      throw invalid('USERS.GROUP_CYCLE');
    }
    this.parentId = parentId;
  }
}
