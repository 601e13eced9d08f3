import { createServer } from "node:net";

/**
 * Returns `count` distinct loopback ports that were free a moment ago. The
 * kernel picks them (bind to port 0), so two sandboxes starting side by side
 * get different ports; a port taken again before use makes the start fail and
 * `sandboxUp` retries with fresh ones.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("no port assigned");
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
