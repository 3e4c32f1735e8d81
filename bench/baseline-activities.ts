import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';

export interface BaselineMembership {
  groupId: string;
  userId: string;
}

/** One HTTP call each, through the product's own JumpCloud client: no read-back, no notifications. */
export function createBaselineActivities(directory: Pick<JumpCloudClient, 'addMember' | 'removeMember'>) {
  return {
    async addMember({ groupId, userId }: BaselineMembership): Promise<void> {
      await directory.addMember(groupId, userId);
    },
    async removeMember({ groupId, userId }: BaselineMembership): Promise<void> {
      await directory.removeMember(groupId, userId);
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
