/** Long work that can be cancelled by id (`job.cancel`): pattern jobs, warm-ups, key-space analyses. */
export class JobRegistry {
  private readonly running = new Map<string, AbortController>()

  /** Registers a job; call `done` when it ends, however it ends. */
  start(id: string): { signal: AbortSignal; done(): void } {
    const abort = new AbortController()
    this.running.set(id, abort)
    return { signal: abort.signal, done: () => this.running.get(id) === abort && this.running.delete(id) }
  }

  cancel(id: string): boolean {
    const j = this.running.get(id)
    j?.abort()
    return Boolean(j)
  }

  cancelAll(): void {
    for (const j of this.running.values()) j.abort()
  }
}
