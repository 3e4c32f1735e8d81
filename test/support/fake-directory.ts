import { type MembershipDirectory } from '../../activities/membership';

type Operation = 'isMember' | 'addMember' | 'removeMember';

/**
 * An in-memory JumpCloud membership directory for activity tests. It answers like JumpCloudClient: `changed: false`
 * when the user already was (add) or was not (remove) a member. `failNext` makes the next calls of an operation
 * throw; `ignoreChanges` makes add/remove answer OK without changing anything (an inconsistent directory).
 */
export class FakeDirectory implements MembershipDirectory {
  readonly calls: Array<{ op: Operation; groupId: string; userId: string }> = [];
  ignoreChanges = false;
  private readonly members = new Set<string>();
  private readonly failures: Record<Operation, Error[]> = { isMember: [], addMember: [], removeMember: [] };

  constructor(initialMembers: Array<{ groupId: string; userId: string }> = []) {
    for (const m of initialMembers) this.members.add(key(m.groupId, m.userId));
  }

  /** The next call(s) of `op` throw these errors, one per call, before the directory behaves normally again. */
  failNext(op: Operation, ...errors: Error[]): void {
    this.failures[op].push(...errors);
  }

  has(groupId: string, userId: string): boolean {
    return this.members.has(key(groupId, userId));
  }

  async isMember(groupId: string, userId: string): Promise<boolean> {
    this.enter('isMember', groupId, userId);
    return this.has(groupId, userId);
  }

  async addMember(groupId: string, userId: string): Promise<{ changed: boolean }> {
    this.enter('addMember', groupId, userId);
    if (this.has(groupId, userId)) return { changed: false };
    if (!this.ignoreChanges) this.members.add(key(groupId, userId));
    return { changed: true };
  }

  async removeMember(groupId: string, userId: string): Promise<{ changed: boolean }> {
    this.enter('removeMember', groupId, userId);
    if (!this.has(groupId, userId)) return { changed: false };
    if (!this.ignoreChanges) this.members.delete(key(groupId, userId));
    return { changed: true };
  }

  private enter(op: Operation, groupId: string, userId: string): void {
    this.calls.push({ op, groupId, userId });
    const failure = this.failures[op].shift();
    if (failure) throw failure;
  }
}

function key(groupId: string, userId: string): string {
  return `${groupId}/${userId}`;
}
