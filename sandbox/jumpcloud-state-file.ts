import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { type JumpCloudSeed } from '../stand-ins/jumpcloud/jumpcloud-directory';
import { type JumpCloudStandIn } from '../stand-ins/jumpcloud/jumpcloud-stand-in';

const savedDirectorySchema = z.object({
  users: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      username: z.string(),
      firstname: z.string().optional(),
      lastname: z.string().optional(),
      state: z.enum(['STAGED', 'ACTIVATED', 'SUSPENDED']).optional(),
    }),
  ),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string().optional(),
      membershipMethod: z.enum(['NOTSET', 'STATIC', 'DYNAMIC_REVIEW_REQUIRED', 'DYNAMIC_AUTOMATED']).optional(),
    }),
  ),
  memberships: z.array(z.object({ groupId: z.string(), userId: z.string() })),
});

/** The directory saved by a previous run, or undefined when there is none yet. */
export function loadSavedDirectory(file: string): JumpCloudSeed | undefined {
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `The sandbox's JumpCloud state ${file} is not valid JSON (${(err as Error).message}). Delete it to start from the demo world.`,
    );
  }
  const parsed = savedDirectorySchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `The sandbox's JumpCloud state ${file} is not a directory snapshot:\n${z.prettifyError(parsed.error)}\nDelete it to start from the demo world.`,
    );
  }
  return parsed.data;
}

/**
 * Writes the directory to `file` now and after every membership change, so memberships granted before a restart
 * are still there afterwards (and get revoked). Synchronous, and before JumpCloud's answer leaves: once the worker
 * hears "added", the change is on disk. Returns the unsubscribe function.
 */
export function saveDirectoryOnChange(jumpcloud: JumpCloudStandIn, file: string): () => void {
  const save = () => {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(jumpcloud.snapshot(), null, 2)}\n`);
    renameSync(temporary, file);
  };
  save();
  return jumpcloud.onChange(save);
}
