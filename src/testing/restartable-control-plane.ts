/**
 * A control plane for the agent's tests: a store and the HTTP API on a fixed
 * port, which a test stops (the server closed, every connection to the
 * database closed) and starts again on the same database and port, as a
 * restarted control-plane process would be.
 */
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { EventFeed } from "../controlplane/event-feed.ts";
import type { Store } from "../controlplane/store/store.ts";
import { createHttpServer } from "../http/server.ts";

/** The HTTP API of the control plane on `127.0.0.1`, over a store that `open` opens. */
export class RestartableControlPlane {
  readonly #open: () => Promise<Store>;
  #port: number;
  #running: { store: Store; app: FastifyInstance; feed: EventFeed } | undefined;

  private constructor(open: () => Promise<Store>, port: number) {
    this.#open = open;
    this.#port = port;
  }

  /** Opens the store and serves the API on a free port (kept across restarts). */
  static async start(open: () => Promise<Store>): Promise<RestartableControlPlane> {
    const cp = new RestartableControlPlane(open, 0);
    await cp.start();
    return cp;
  }

  /** `http://127.0.0.1:port`. */
  get base(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** The store of the running control plane; throws while it is stopped. */
  get store(): Store {
    if (!this.#running) throw new Error("the control plane is stopped");
    return this.#running.store;
  }

  /** Starts it again (after {@link stop}) on the same database and port. */
  async start(): Promise<void> {
    if (this.#running) return;
    const store = await this.#open();
    const feed = new EventFeed({ store, pollMs: 100 });
    const app = createHttpServer({ store, feed, registry: new Registry(), ready: () => true });
    const address = await app.listen({ host: "127.0.0.1", port: this.#port });
    this.#port = Number(new URL(address).port);
    this.#running = { store, app, feed };
  }

  /** Closes the server (in-flight requests finish, new ones are refused), the feed and the store. */
  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    await running.app.close();
    running.feed.close();
    await running.store.close();
  }
}
