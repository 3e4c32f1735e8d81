import { type JumpCloudStandIn } from '../../stand-ins/jumpcloud/jumpcloud-stand-in';

/** The membership adds or removes that reached the JumpCloud stand-in (injected faults excluded), in order. */
export function membershipChanges(world: { jumpcloud: JumpCloudStandIn }, op: 'add' | 'remove') {
  return world.jumpcloud.calls.filter(
    (c) =>
      c.method === 'POST' &&
      c.path.endsWith('/members') &&
      (c.body as { op?: string } | undefined)?.op === op &&
      !c.fault,
  );
}
