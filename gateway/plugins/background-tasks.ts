import { type FastifyBaseLogger } from 'fastify';

/**
 * Work that runs after Slack has been answered (Slack waits at most 3 s). Each task is tracked so shutdown can let
 * it finish, and a failure is logged rather than lost.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly log: FastifyBaseLogger) {}

  run(what: string, task: () => Promise<void>): void {
    // Started on a later microtask, so the acknowledgement goes out first.
    const running: Promise<void> = Promise.resolve()
      .then(task)
      .catch((err: unknown) => this.log.error({ err, task: what }, 'background task failed'))
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  get size(): number {
    return this.#running.size;
  }

  /** Waits until nothing is running (tasks started meanwhile included) or `timeoutMs` passes; false on timeout. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const settled = (async () => {
      while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
      return true as const;
    })();
    try {
      return await Promise.race([settled, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
