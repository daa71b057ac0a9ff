/**
 * Write to stdout honouring backpressure; resolves false once stdout is closed
 * (e.g. piped into `head`), so a command can stop quietly.
 */
export function writeOut(text: string): Promise<boolean> {
  if (process.stdout.destroyed || closed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const ok = process.stdout.write(text, (err) => {
      if (err) closed = true;
    });
    if (ok) resolve(!closed);
    else process.stdout.once('drain', () => resolve(!closed));
  });
}

let closed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') closed = true;
  else throw err;
});
