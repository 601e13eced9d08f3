import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exitCodes, runCli, type CliActions } from "./program.ts";

/** Runs the program with actions that record what they were called with and return `code`. */
async function parse(
  argv: string[],
  env: Record<string, string> = {},
  code = 0,
): Promise<{ exit: number; calls: Array<[string, unknown]>; out: string; err: string }> {
  const calls: Array<[string, unknown]> = [];
  const record =
    (name: string) =>
    (...args: unknown[]): Promise<number> => {
      calls.push([name, args.length === 1 ? args[0] : args]);
      return Promise.resolve(code);
    };
  const actions: CliActions = {
    up: record("up"),
    server: record("server"),
    operator: record("operator"),
    agent: record("agent"),
    manifests: record("manifests"),
    sandbox: record("sandbox"),
    sandboxRestart: record("sandboxRestart"),
    kubectl: record("kubectl"),
    version: record("version"),
  };
  let out = "";
  let err = "";
  const saved = { ...process.env };
  for (const key of [
    "DATABASE_URL",
    "STACKWARDEN_SANDBOX",
    "STACKWARDEN_LOG_LEVEL",
    "POD_NAMESPACE",
    "STACKWARDEN_AGENT_STATE_DIR",
  ]) {
    delete process.env[key];
  }
  Object.assign(process.env, env);
  try {
    const exit = await runCli(argv, actions, { out: (t) => (out += t), err: (t) => (err += t) });
    return { exit, calls, out, err };
  } finally {
    process.env = saved;
  }
}

describe("runCli parses", () => {
  const cases: ReadonlyArray<{
    name: string;
    argv: string[];
    env?: Record<string, string>;
    call: [string, unknown];
  }> = [
    {
      name: "up with its defaults",
      argv: ["up"],
      call: [
        "up",
        {
          listen: "127.0.0.1:8080",
          dataDir: ".stackwarden",
          namespaces: [],
          sandbox: "default",
          logLevel: "info",
        },
      ],
    },
    {
      name: "up with every flag, in both --flag=value and --flag value forms",
      argv: [
        "up",
        "--listen=127.0.0.1:0",
        "--data-dir",
        "/tmp/d",
        "--database-url=postgresql://x/y",
        "--kubeconfig=/k",
        "--namespaces=a,b",
        "--sandbox=s",
        "--log-level=warn",
      ],
      call: [
        "up",
        {
          listen: "127.0.0.1:0",
          dataDir: "/tmp/d",
          databaseUrl: "postgresql://x/y",
          kubeconfig: "/k",
          namespaces: ["a", "b"],
          sandbox: "s",
          logLevel: "warn",
        },
      ],
    },
    {
      name: "up's defaults from the environment",
      argv: ["up"],
      env: {
        DATABASE_URL: "postgresql://env/db",
        STACKWARDEN_SANDBOX: "mine",
        STACKWARDEN_LOG_LEVEL: "debug",
      },
      call: [
        "up",
        {
          listen: "127.0.0.1:8080",
          dataDir: ".stackwarden",
          databaseUrl: "postgresql://env/db",
          namespaces: [],
          sandbox: "mine",
          logLevel: "debug",
        },
      ],
    },
    {
      name: "a flag over the environment",
      argv: ["server", "--log-level=error"],
      env: { STACKWARDEN_LOG_LEVEL: "debug" },
      call: [
        "server",
        { listen: "0.0.0.0:8080", dataDir: ".stackwarden", clusterName: "local", logLevel: "error" },
      ],
    },
    {
      name: "agent with its defaults",
      argv: ["agent", "--control-plane=https://cp.example", "--token-file=/t"],
      call: [
        "agent",
        {
          controlPlane: "https://cp.example",
          tokenFile: "/t",
          stateDir: "/var/lib/stackwarden-agent",
          withOperator: false,
          bufferLimit: 10000,
          metricsBindAddress: "0",
          logLevel: "info",
        },
      ],
    },
    {
      name: "agent with every flag",
      argv: [
        "agent",
        "--control-plane",
        "https://cp.example",
        "--token-file=/t",
        "--state-dir=/s",
        "--kubeconfig=/k",
        "--with-operator",
        "--buffer-limit=5",
        "--metrics-bind-address=:9090",
        "--log-level=warn",
      ],
      call: [
        "agent",
        {
          controlPlane: "https://cp.example",
          tokenFile: "/t",
          stateDir: "/s",
          kubeconfig: "/k",
          withOperator: true,
          bufferLimit: 5,
          metricsBindAddress: ":9090",
          logLevel: "warn",
        },
      ],
    },
    {
      name: "manifests agent",
      argv: ["manifests", "agent"],
      call: ["manifests", "agent"],
    },
    {
      name: "operator with its defaults",
      argv: ["operator"],
      call: [
        "operator",
        {
          namespaces: [],
          installCrds: false,
          leaderElect: false,
          leaderElectionNamespace: "default",
          metricsBindAddress: ":8080",
          healthProbeBindAddress: ":8081",
          logLevel: "info",
          resyncPeriodSeconds: 600,
          cacheSyncTimeoutSeconds: 120,
          leaseDurationSeconds: 15,
          renewDeadlineSeconds: 10,
          retryPeriodSeconds: 2,
        },
      ],
    },
    {
      name: "operator as deployed (flags, and the Lease namespace from POD_NAMESPACE)",
      argv: [
        "operator",
        "--install-crds",
        "--leader-elect",
        "--namespaces=games",
        "--metrics-bind-address=0",
      ],
      env: { POD_NAMESPACE: "stackwarden-system" },
      call: [
        "operator",
        {
          namespaces: ["games"],
          installCrds: true,
          leaderElect: true,
          leaderElectionNamespace: "stackwarden-system",
          metricsBindAddress: "0",
          healthProbeBindAddress: ":8081",
          logLevel: "info",
          resyncPeriodSeconds: 600,
          cacheSyncTimeoutSeconds: 120,
          leaseDurationSeconds: 15,
          renewDeadlineSeconds: 10,
          retryPeriodSeconds: 2,
        },
      ],
    },
    {
      name: "sandbox restart a component",
      argv: ["sandbox", "restart", "kube-apiserver", "--name", "t"],
      call: ["sandboxRestart", ["kube-apiserver", "t"]],
    },
    { name: "manifests of the operator by default", argv: ["manifests"], call: ["manifests", "operator"] },
    {
      name: "manifests of the control plane",
      argv: ["manifests", "control-plane"],
      call: ["manifests", "control-plane"],
    },
    { name: "sandbox up", argv: ["sandbox", "up"], call: ["sandbox", ["up", "default"]] },
    {
      name: "sandbox status --name",
      argv: ["sandbox", "status", "--name", "t"],
      call: ["sandbox", ["status", "t"]],
    },
    {
      name: "sandbox kubeconfig named by the environment",
      argv: ["sandbox", "kubeconfig"],
      env: { STACKWARDEN_SANDBOX: "test" },
      call: ["sandbox", ["kubeconfig", "test"]],
    },
    {
      name: "kubectl's own flags, --help included, passed through untouched",
      argv: ["kubectl", "get", "pods", "-n", "x", "--watch", "--help"],
      call: ["kubectl", ["get", "pods", "-n", "x", "--watch", "--help"]],
    },
    { name: "version", argv: ["version"], call: ["version", []] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await parse(c.argv, c.env);
      assert.equal(result.err, "");
      assert.deepEqual(result.calls, [c.call]);
      assert.equal(result.exit, exitCodes.ok);
    });
  }

  it("returns the command's own exit code", async () => {
    assert.equal((await parse(["sandbox", "status"], {}, 3)).exit, exitCodes.notRunning);
  });
});

describe("runCli refuses wrong usage with exit 2, a message naming what is wrong, and runs nothing", () => {
  const cases: ReadonlyArray<{ name: string; argv: string[]; says: RegExp }> = [
    { name: "an unknown command", argv: ["bogus"], says: /unknown command 'bogus'/ },
    { name: "an unknown flag", argv: ["operator", "--bogus"], says: /unknown option '--bogus'/ },
    {
      name: "a level that is not one",
      argv: ["up", "--log-level=loud"],
      says: /--log-level.*'loud' is invalid/,
    },
    {
      name: "a flag without its value",
      argv: ["server", "--listen"],
      says: /--listen <host:port>' argument missing/,
    },
    {
      name: "an unknown plane",
      argv: ["manifests", "both"],
      says: /value 'both' is invalid for argument 'plane'/,
    },
    { name: "an unknown sandbox action", argv: ["sandbox", "reboot"], says: /unknown command 'reboot'/ },
    {
      name: "sandbox restart without a component",
      argv: ["sandbox", "restart"],
      says: /missing required argument 'component'/,
    },
    {
      name: "a resync period that is not whole seconds",
      argv: ["operator", "--resync-period-seconds", "0.5"],
      says: /--resync-period-seconds must be a whole number of seconds/,
    },
    {
      name: "a renew deadline as long as the Lease (two leaders at once)",
      argv: ["operator", "--lease-duration-seconds", "10"],
      says: /--renew-deadline-seconds \(10\) must be less than --lease-duration-seconds \(10\)/,
    },
    {
      name: "a retry period as long as the renew deadline",
      argv: ["operator", "--renew-deadline-seconds", "2"],
      says: /--retry-period-seconds \(2\) must be less than --renew-deadline-seconds \(2\)/,
    },
    { name: "no command at all", argv: [], says: /Usage: stackwarden/ },
    { name: "help for an unknown command", argv: ["help", "bogus"], says: /unknown command 'bogus'/ },
    { name: "sandbox without an action", argv: ["sandbox"], says: /Usage: stackwarden sandbox/ },
    {
      name: "sandbox help (help is a command of its own)",
      argv: ["sandbox", "help"],
      says: /unknown command 'help'/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await parse(c.argv);
      assert.equal(result.exit, exitCodes.usage);
      assert.match(result.err, c.says);
      assert.deepEqual(result.calls, []);
    });
  }
});

describe("help", () => {
  const cases: ReadonlyArray<{ name: string; argv: string[]; shows: RegExp[] }> = [
    {
      name: "stackwarden help lists every command, the environment and the exit codes",
      argv: ["help"],
      shows: [
        /^ {2}up \[options\]/m,
        /^ {2}server /m,
        /^ {2}operator /m,
        /^ {2}manifests /m,
        /^ {2}sandbox /m,
        /^ {2}kubectl /m,
        /^ {2}version /m,
        /STACKWARDEN_SANDBOX/,
        /Exit codes:/,
        /3 {2}sandbox not running/,
      ],
    },
    {
      name: "operator --help shows flags, defaults and environment variables",
      argv: ["operator", "--help"],
      shows: [
        /--leader-elect/,
        /--metrics-bind-address <host:port>.*\(default: ":8080"\)/,
        /env: POD_NAMESPACE/,
        /env: STACKWARDEN_LOG_LEVEL/,
        /OTEL_EXPORTER_OTLP_ENDPOINT/,
      ],
    },
    {
      name: "up --help",
      argv: ["up", "--help"],
      shows: [/--listen <host:port>/, /"127\.0\.0\.1:8080"/, /DATABASE_URL/],
    },
    {
      name: "server --help",
      argv: ["server", "--help"],
      shows: [/--cluster-name/, /STACKWARDEN_ADMIN_TOKEN/],
    },
    { name: "help server (the same, as a command)", argv: ["help", "server"], shows: [/--cluster-name/] },
    {
      name: "sandbox --help lists its actions",
      argv: ["sandbox", "--help"],
      shows: [/up/, /down/, /status/, /kubeconfig/],
    },
    {
      name: "sandbox up --help",
      argv: ["sandbox", "up", "--help"],
      shows: [/--name <name>/, /STACKWARDEN_SANDBOX/],
    },
    { name: "manifests --help", argv: ["manifests", "--help"], shows: [/"operator", "control-plane"/] },
    { name: "version --help", argv: ["version", "--help"], shows: [/Kubernetes version/] },
    { name: "help sandbox up", argv: ["help", "sandbox", "up"], shows: [/--name <name>/] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const result = await parse(c.argv);
      assert.equal(result.exit, exitCodes.ok, result.err);
      assert.deepEqual(result.calls, []);
      for (const pattern of c.shows) assert.match(result.out, pattern);
    });
  }
});
