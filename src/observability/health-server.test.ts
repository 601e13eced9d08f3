import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Counter, Registry } from "prom-client";
import { startHealthServer, type HealthCheck, type HealthServer } from "./health-server.ts";

/** Starts a server on a free port, runs `fn` against its base URL, and closes it. */
async function withServer(
  checks: { live?: HealthCheck; ready?: HealthCheck; registry?: Registry },
  fn: (base: string, server: HealthServer) => Promise<void>,
): Promise<void> {
  const server = await startHealthServer({
    port: 0,
    registry: checks.registry ?? new Registry(),
    checks: { live: checks.live ?? (() => true), ready: checks.ready ?? (() => true) },
  });
  try {
    await fn(`http://127.0.0.1:${server.port}`, server);
  } finally {
    await server.close();
  }
}

async function get(url: string, method = "GET"): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe("startHealthServer", () => {
  const probes: { path: string; live: boolean; ready: boolean; status: number; body: string }[] = [
    { path: "/healthz", live: true, ready: false, status: 200, body: "ok" },
    { path: "/livez", live: true, ready: false, status: 200, body: "ok" },
    { path: "/health", live: true, ready: false, status: 200, body: "ok" },
    { path: "/readyz", live: true, ready: true, status: 200, body: "ok" },
    { path: "/ready", live: true, ready: true, status: 200, body: "ok" },
    {
      path: "/healthz",
      live: false,
      ready: true,
      status: 503,
      body: "[-]live failed\nhealthz check failed\n",
    },
    { path: "/livez", live: false, ready: true, status: 503, body: "[-]live failed\nlivez check failed\n" },
    { path: "/health", live: false, ready: true, status: 503, body: "[-]live failed\nhealth check failed\n" },
    {
      path: "/readyz",
      live: true,
      ready: false,
      status: 503,
      body: "[+]live ok\n[-]ready failed\nreadyz check failed\n",
    },
    {
      path: "/ready",
      live: true,
      ready: false,
      status: 503,
      body: "[+]live ok\n[-]ready failed\nready check failed\n",
    },
    {
      path: "/readyz",
      live: false,
      ready: true,
      status: 503,
      body: "[-]live failed\n[+]ready ok\nreadyz check failed\n",
    },
  ];
  for (const { path, live, ready, status, body } of probes) {
    it(`GET ${path} with live=${live} ready=${ready} → ${status}`, () =>
      withServer({ live: () => live, ready: () => ready }, async (base) => {
        const res = await get(base + path);
        assert.equal(res.status, status);
        assert.equal(res.body, body);
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
        assert.equal(res.headers.get("cache-control"), "no-store");
      }));
  }

  it("lists the checks with ?verbose when healthy", () =>
    withServer({}, async (base) => {
      const res = await get(`${base}/readyz?verbose`);
      assert.equal(res.status, 200);
      assert.equal(res.body, "[+]live ok\n[+]ready ok\nreadyz check passed\n");
    }));

  it("awaits async checks and counts a rejection as a failure without showing it", () =>
    withServer(
      { live: () => Promise.resolve(true), ready: () => Promise.reject(new Error("token s3cret expired")) },
      async (base) => {
        const res = await get(`${base}/readyz?verbose`);
        assert.equal(res.status, 503);
        assert.equal(res.body, "[+]live ok\n[-]ready failed\nreadyz check failed\n");
      },
    ));

  it("counts a check that throws as failed", () =>
    withServer(
      {
        live: () => {
          throw new Error("wedged");
        },
      },
      async (base) => assert.equal((await get(`${base}/healthz`)).status, 503),
    ));

  it("serves the registry on /metrics as Prometheus text", async () => {
    const registry = new Registry();
    new Counter({ name: "stackwarden_test_total", help: "A test counter", registers: [registry] }).inc(3);
    await withServer({ registry }, async (base) => {
      const res = await get(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), registry.contentType);
      assert.match(res.body, /^# HELP stackwarden_test_total A test counter$/m);
      assert.match(res.body, /^stackwarden_test_total 3$/m);
    });
  });

  it("answers 500 when collecting metrics fails", async () => {
    const registry = new Registry();
    registry.registerMetric(
      new Counter({
        name: "stackwarden_broken_total",
        help: "Collecting it throws",
        registers: [],
        collect(): void {
          throw new Error("collector broke");
        },
      }),
    );
    await withServer({ registry }, async (base) => {
      const res = await get(`${base}/metrics`);
      assert.equal(res.status, 500);
      assert.equal(res.body, "internal error\n");
    });
  });

  it("answers HEAD with the status and headers of GET and no body", () =>
    withServer({ ready: () => false }, async (base) => {
      const ok = await get(`${base}/healthz`, "HEAD");
      assert.equal(ok.status, 200);
      assert.equal(ok.body, "");
      assert.equal(ok.headers.get("content-length"), "2");
      const failing = await get(`${base}/readyz`, "HEAD");
      assert.equal(failing.status, 503);
      assert.equal(failing.body, "");
      assert.equal((await get(`${base}/metrics`, "HEAD")).status, 200);
    }));

  const others: { method: string; path: string; status: number }[] = [
    { method: "GET", path: "/", status: 404 },
    { method: "GET", path: "/healthz/extra", status: 404 },
    { method: "GET", path: "/metricsz", status: 404 },
    { method: "POST", path: "/healthz", status: 405 },
    { method: "DELETE", path: "/metrics", status: 405 },
    { method: "POST", path: "/nowhere", status: 404 },
  ];
  for (const { method, path, status } of others) {
    it(`${method} ${path} → ${status}`, () =>
      withServer({}, async (base) => {
        const res = await get(base + path, method);
        assert.equal(res.status, status);
        if (status === 405) assert.equal(res.headers.get("allow"), "GET, HEAD");
      }));
  }

  it("picks a free port for 0 and answers on 127.0.0.1", () =>
    withServer({}, async (base, server) => {
      assert.ok(server.port > 0);
      assert.equal((await get(`${base}/livez`)).status, 200);
    }));

  it("rejects when the port is taken", () =>
    withServer({}, async (_base, server) => {
      await assert.rejects(
        startHealthServer({
          port: server.port,
          registry: new Registry(),
          checks: { live: () => true, ready: () => true },
        }),
        /EADDRINUSE/,
      );
    }));

  it("closes with keep-alive connections open, and closing twice is harmless", async () => {
    const server = await startHealthServer({
      port: 0,
      registry: new Registry(),
      checks: { live: () => true, ready: () => true },
    });
    assert.equal((await get(`http://127.0.0.1:${server.port}/healthz`)).status, 200);
    await server.close();
    await server.close();
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/healthz`));
  });
});
