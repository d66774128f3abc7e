// The mock's node:http listener: keep-alive like DeepSeek's front end, every socket tracked so the
// mock can close its port and drop open connections at once (close(), or going down as `refuse`).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export class Listener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly host: string) {
    this.server = createServer();
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.requestTimeout = 0;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  serve(onRequest: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.server.on('request', onRequest);
  }

  listen(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** The base URL clients use (an IPv6 host in brackets). */
  url(): string {
    const host = this.host.includes(':') ? '[' + this.host + ']' : this.host;
    return 'http://' + host + ':' + this.port;
  }

  /** Closes the port and destroys every open connection; resolves once the server has closed. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }
}
