import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Tracks the server's connections and the requests in progress on each, so that close() can end
 * idle keep-alive connections at once (including ones that never carried a request, which
 * Node's closeIdleConnections leaves open) and the others as soon as their response is done.
 */
export class ConnectionTracker {
  private readonly active = new Map<Socket, number>();
  private closing = false;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.active.set(socket, 0);
      socket.once('close', () => this.active.delete(socket));
    });
    server.on('request', (req, res) => {
      const socket = req.socket;
      this.active.set(socket, (this.active.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const left = (this.active.get(socket) ?? 1) - 1;
        this.active.set(socket, left);
        if (this.closing && left === 0) socket.destroy();
      });
    });
  }

  /** Connections open now. */
  get size(): number {
    return this.active.size;
  }

  /** From now on, end each connection when it has no request in progress. */
  closeIdle(): void {
    this.closing = true;
    for (const [socket, requests] of this.active) if (requests === 0) socket.destroy();
  }

  /** End every connection now. */
  destroyAll(): void {
    for (const socket of this.active.keys()) socket.destroy();
  }
}
