import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on loopback for failure tests: it forwards bytes (TLS passes
 * through untouched) and can cut every connection, or freeze the current ones
 * so they stay open but carry nothing, as a half-open connection does, or
 * refuse every connection until told to accept again, as a network cut does.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  readonly #frozen = new Set<[Socket, Socket]>();
  #port = 0;
  #refusing = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy to `host:port`. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(
      createServer((client) => {
        if (proxy.#refusing) {
          client.resetAndDestroy();
          return;
        }
        const upstream = connect(port, host);
        const pair: [Socket, Socket] = [client, upstream];
        proxy.#pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
          proxy.#pairs.delete(pair);
        };
        client.on("error", close).on("close", close);
        upstream.on("error", close).on("close", close);
      }),
    );
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    const address = proxy.#server.address();
    proxy.#port = typeof address === "object" && address ? address.port : 0;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Resets every open connection, as a restarting API server or a dropped network would. */
  cutAll(): void {
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Cuts every connection and resets every new one until {@link accept}: the link is down. */
  refuse(): void {
    this.#refusing = true;
    this.cutAll();
  }

  /** Forwards new connections again after {@link refuse}. */
  accept(): void {
    this.#refusing = false;
  }

  /** Stops forwarding on the connections open now, leaving them open; new connections work. */
  freezeAll(): void {
    for (const pair of this.#pairs) {
      this.#frozen.add(pair);
      const [client, upstream] = pair;
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.#pairs.clear();
  }

  async close(): Promise<void> {
    this.cutAll();
    for (const [client, upstream] of this.#frozen) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
