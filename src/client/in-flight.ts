/** Promises still running, so that a close can wait for them before it releases what they use. */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Track `p` until it settles; returns it. */
  add<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = (): void => void this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once everything tracked so far has settled (rejections are the owners' business). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
