import { type JumpCloudReadClient, type JumpCloudUser } from './jumpcloud-client';

/**
 * Why this JumpCloud account may not hold access or decide on it, as the end of "your JumpCloud account …", or
 * undefined. Only an ACTIVATED account that is neither locked nor past its password's expiry counts; a state the API
 * did not give is not taken as active.
 */
export function jumpCloudAccountProblem(user: JumpCloudUser): string | undefined {
  if (user.suspended || user.state === 'SUSPENDED') return 'is suspended';
  if (user.state === 'STAGED') return 'is staged (not activated yet)';
  if (user.state !== 'ACTIVATED') return `is not active (its state is ${user.state ?? 'unknown'})`;
  if (user.accountLocked) return 'is locked';
  if (user.passwordExpired) return 'has an expired password';
  return undefined;
}

/**
 * Why the requester of a grant may not be given access now, as "the requester's JumpCloud account …", or undefined:
 * their account read again (the gateway at an Approve, the worker right before the add).
 */
export async function requesterAccountProblem(
  directory: Pick<JumpCloudReadClient, 'getUser'>,
  jumpcloudUserId: string,
): Promise<string | undefined> {
  const user = await directory.getUser(jumpcloudUserId);
  if (!user) return "the requester's JumpCloud account no longer exists";
  const problem = jumpCloudAccountProblem(user);
  return problem && `the requester's JumpCloud account ${problem}`;
}
