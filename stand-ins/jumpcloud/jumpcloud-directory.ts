import { ChangeFeed } from '../http/change-feed';

export interface JcUser {
  id: string;
  email: string;
  username: string;
  firstname?: string;
  lastname?: string;
  state?: 'STAGED' | 'ACTIVATED' | 'SUSPENDED';
  accountLocked?: boolean;
  passwordExpired?: boolean;
}

export interface JcGroup {
  id: string;
  name: string;
  description?: string;
  membershipMethod?: 'NOTSET' | 'STATIC' | 'DYNAMIC_REVIEW_REQUIRED' | 'DYNAMIC_AUTOMATED';
}

export type NewJcUser = Omit<JcUser, 'id'> & { id?: string };
export type NewJcGroup = Omit<JcGroup, 'id'> & { id?: string };

export interface JumpCloudSeed {
  users?: NewJcUser[];
  groups?: NewJcGroup[];
  memberships?: Array<{ groupId: string; userId: string }>;
}

export interface MembershipChange {
  type: 'member-added' | 'member-removed';
  groupId: string;
  userId: string;
  at: number;
}

export interface DirectorySnapshot {
  users: JcUser[];
  groups: JcGroup[];
  memberships: Array<{ groupId: string; userId: string }>;
}

const OBJECT_ID = /^[0-9a-f]{24}$/;

/** JumpCloud ids look like MongoDB ObjectIds; these are predictable per kind so test output is readable. */
function objectId(kindPrefix: string, sequence: number): string {
  return kindPrefix + sequence.toString(16).padStart(24 - kindPrefix.length, '0');
}

/** The stand-in's in-memory JumpCloud organisation: users, user groups, and direct group membership. */
export class JumpCloudDirectory {
  readonly changes: ChangeFeed<MembershipChange>;
  readonly #users = new Map<string, JcUser>();
  readonly #userCreatedAt = new Map<string, string>();
  readonly #groups = new Map<string, JcGroup>();
  /** groupId → member userIds in the order they were added */
  readonly #members = new Map<string, Set<string>>();
  #nextUser = 1;
  #nextGroup = 1;

  constructor(onListenerError?: (error: unknown) => void) {
    this.changes = new ChangeFeed<MembershipChange>(onListenerError);
  }

  addUser(input: NewJcUser): JcUser {
    const id = input.id ?? this.#freshId('5a00', () => this.#nextUser++, this.#users);
    assertObjectId(id, 'user');
    if (this.#users.has(id)) throw new Error(`JumpCloud stand-in: user id ${id} already exists`);
    for (const existing of this.#users.values()) {
      if (existing.email === input.email) throw new Error(`JumpCloud stand-in: email ${input.email} already exists`);
      if (existing.username === input.username)
        throw new Error(`JumpCloud stand-in: username ${input.username} already exists`);
    }
    const user: JcUser = { ...input, id, state: input.state ?? 'ACTIVATED' };
    this.#users.set(id, user);
    this.#userCreatedAt.set(id, new Date().toISOString());
    return { ...user };
  }

  addGroup(input: NewJcGroup): JcGroup {
    const id = input.id ?? this.#freshId('5b00', () => this.#nextGroup++, this.#groups);
    assertObjectId(id, 'group');
    if (this.#groups.has(id)) throw new Error(`JumpCloud stand-in: group id ${id} already exists`);
    for (const existing of this.#groups.values()) {
      if (existing.name === input.name) throw new Error(`JumpCloud stand-in: group name ${input.name} already exists`);
    }
    const group: JcGroup = { ...input, id, membershipMethod: input.membershipMethod ?? 'NOTSET' };
    this.#groups.set(id, group);
    this.#members.set(id, new Set());
    return { ...group };
  }

  /** Changes a user's account state, as an admin does in the console (suspend, lock, expire the password). */
  updateUser(id: string, change: Partial<Pick<JcUser, 'state' | 'accountLocked' | 'passwordExpired'>>): JcUser {
    const user = this.#users.get(id);
    if (!user) throw new Error(`JumpCloud stand-in: no user ${id}`);
    Object.assign(user, change);
    return { ...user };
  }

  user(id: string): JcUser | undefined {
    const user = this.#users.get(id);
    return user && { ...user };
  }

  userCreatedAt(id: string): string | undefined {
    return this.#userCreatedAt.get(id);
  }

  group(id: string): JcGroup | undefined {
    const group = this.#groups.get(id);
    return group && { ...group };
  }

  users(): JcUser[] {
    return [...this.#users.values()].map((user) => ({ ...user }));
  }

  groups(): JcGroup[] {
    return [...this.#groups.values()].map((group) => ({ ...group }));
  }

  isMember(groupId: string, userId: string): boolean {
    return this.#members.get(groupId)?.has(userId) ?? false;
  }

  members(groupId: string): string[] {
    return [...(this.#members.get(groupId) ?? [])];
  }

  groupsOf(userId: string): string[] {
    return [...this.#members.entries()].filter(([, members]) => members.has(userId)).map(([groupId]) => groupId);
  }

  /** Returns whether membership changed; throws for an unknown group or user. */
  setMember(groupId: string, userId: string, member: boolean): boolean {
    const members = this.#members.get(groupId);
    if (!members) throw new Error(`JumpCloud stand-in: unknown group ${groupId}`);
    if (!this.#users.has(userId)) throw new Error(`JumpCloud stand-in: unknown user ${userId}`);
    if (members.has(userId) === member) return false;
    if (member) members.add(userId);
    else members.delete(userId);
    this.changes.emit({ type: member ? 'member-added' : 'member-removed', groupId, userId, at: Date.now() });
    return true;
  }

  snapshot(): DirectorySnapshot {
    const memberships = [...this.#members.entries()].flatMap(([groupId, members]) =>
      [...members].map((userId) => ({ groupId, userId })),
    );
    return { users: this.users(), groups: this.groups(), memberships };
  }

  seed(seed: JumpCloudSeed): void {
    for (const user of seed.users ?? []) this.addUser(user);
    for (const group of seed.groups ?? []) this.addGroup(group);
    for (const { groupId, userId } of seed.memberships ?? []) this.setMember(groupId, userId, true);
  }

  #freshId(prefix: string, next: () => number, taken: Map<string, unknown>): string {
    let id = objectId(prefix, next());
    while (taken.has(id)) id = objectId(prefix, next());
    return id;
  }
}

function assertObjectId(id: string, kind: string): void {
  if (!OBJECT_ID.test(id))
    throw new Error(`JumpCloud stand-in: ${kind} id ${JSON.stringify(id)} is not 24 lowercase hex characters`);
}
