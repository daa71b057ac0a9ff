/**
 * Reusable output buffers for one stream: a batch is built into a buffer that comes back once
 * the socket has taken it, so a long stream allocates a handful of buffers instead of one per
 * batch (fewer page faults and much less garbage to collect).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /** `keep`: most free buffers held. */
  constructor(private readonly keep: number) {}

  /** A buffer of exactly `size` bytes (a view into a pooled buffer at least that large). */
  acquire(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size);
    // New buffers get a little slack, since batches of records vary in size.
    const buf = i >= 0 ? this.free.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(Math.ceil(size * 1.05) + 64);
    return buf.subarray(0, size);
  }

  /** Give back a buffer from {@link acquire} that nothing reads any more. */
  release(view: Buffer): void {
    if (this.free.length >= this.keep) return;
    this.free.push(Buffer.from(view.buffer, view.byteOffset, view.buffer.byteLength - view.byteOffset));
  }
}
