import { type JumpCloudUser } from './jumpcloud-client';

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
