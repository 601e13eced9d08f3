/**
 * The `stackwarden` command line as a commander program: every command, flag, default and
 * environment variable in one place, so parsing and `--help` cannot drift apart. The program only
 * parses; what each command does is injected ({@link CliActions}), so tests can parse and read the
 * help without starting anything.
 *
 * Why commander: it generates help with defaults and environment variables from the same option
 * declarations it parses with, handles nested commands (`sandbox up`) and pass-through arguments
 * (`kubectl`), has no dependencies and is very widely used. `util.parseArgs` parses but has no help,
 * and citty or yargs bring more than this needs.
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";

/** What `stackwarden` exits with; documented in docs/cli.md. */
export const exitCodes = {
  /** The command did what it was asked. */
  ok: 0,
  /** It failed: the error is on standard error. */
  failure: 1,
  /** It was called wrongly: an unknown command or flag, a missing or invalid value. */
  usage: 2,
  /** `sandbox status`: the sandbox is not running, or not healthy. */
  notRunning: 3,
} as const;

/** The log levels every command takes. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** The flags of `stackwarden up`. */
export interface UpFlags {
  readonly listen: string;
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly namespaces: readonly string[];
  readonly sandbox: string;
  readonly logLevel: string;
}

/** The flags of `stackwarden server`. */
export interface ServerFlags {
  readonly listen: string;
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly kubeconfig?: string | undefined;
  readonly clusterName: string;
  readonly logLevel: string;
}

/** The flags of `stackwarden operator`. */
export interface OperatorFlags {
  readonly kubeconfig?: string | undefined;
  readonly namespaces: readonly string[];
  readonly installCrds: boolean;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly logLevel: string;
  /** How often every stack is reconciled again when nothing changed. */
  readonly resyncPeriodSeconds: number;
  /** How long a new leader waits for its caches before it gives up the Lease and exits non-zero. */
  readonly cacheSyncTimeoutSeconds: number;
  /** The leader election's timing, as kube-controller-manager's `--leader-elect-*` flags. */
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

/** The flags of `stackwarden agent`. */
export interface AgentFlags {
  readonly controlPlane: string;
  readonly tokenFile: string;
  readonly stateDir: string;
  readonly kubeconfig?: string | undefined;
  readonly withOperator: boolean;
  readonly bufferLimit: number;
  /** `host:port` serving /metrics, /healthz and /readyz; `0` (the default) serves nothing. */
  readonly metricsBindAddress: string;
  readonly logLevel: string;
}

/** What each command does; each resolves to the exit code. */
export interface CliActions {
  up(flags: UpFlags): Promise<number>;
  server(flags: ServerFlags): Promise<number>;
  operator(flags: OperatorFlags): Promise<number>;
  agent(flags: AgentFlags): Promise<number>;
  manifests(plane: "operator" | "control-plane" | "agent"): Promise<number>;
  sandbox(action: "up" | "down" | "status" | "kubeconfig", name: string): Promise<number>;
  /** `sandbox restart COMPONENT`. */
  sandboxRestart(component: string, name: string): Promise<number>;
  kubectl(args: readonly string[]): Promise<number>;
  version(): Promise<number>;
}

/** Where the program writes; the terminal by default. */
export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const splitList = (value: string): string[] => value.split(",").filter((item) => item !== "");

const logLevel = (): Option =>
  new Option("--log-level <level>", "log level")
    .choices(logLevels)
    .default("info")
    .env("STACKWARDEN_LOG_LEVEL");
const kubeconfig = (fallback: string): Option =>
  new Option("--kubeconfig <path>", `the cluster to run against; without it, ${fallback}`);
const namespaces = (): Option =>
  new Option("--namespaces <a,b>", "watch only these namespaces (comma-separated); all when empty")
    .default([], '"" (all)')
    .argParser(splitList);
const databaseUrl = (): Option =>
  new Option("--database-url <url>", "a PostgreSQL URL for the store; without it, PGlite in --data-dir").env(
    "DATABASE_URL",
  );

const rootHelp = `
Environment:
  STACKWARDEN_SANDBOX        the sandbox's name for up, sandbox and kubectl (default "default")
  STACKWARDEN_LOG_LEVEL      the default of --log-level
  STACKWARDEN_STATE_DIR      where sandboxes keep their state (default .stackwarden in the checkout)
  DATABASE_URL               the default of --database-url
  STACKWARDEN_ADMIN_TOKEN    server: the first admin's token, instead of a random one
  OTEL_EXPORTER_OTLP_ENDPOINT  send traces there (OTLP over HTTP)
  KUBECONFIG                 the cluster, when --kubeconfig is not given (server, operator)

Exit codes:
  0  done    1  failed (the error is on standard error)    2  wrong usage    3  sandbox not running

Run \`stackwarden <command> --help\` for a command's flags. More in docs/cli.md.
`;

/** Wraps a command's action so that its exit code is kept for {@link runCli}. */
type Run = <A extends unknown[]>(action: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

/** Builds the program; its actions set `code.value`, which {@link runCli} returns. */
function buildProgram(actions: CliActions, output: CliOutput, code: { value: number }): Command {
  const program = new Command("stackwarden")
    .description("Keeps stacks of containers on Kubernetes where their owners said they should be.")
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions()
    .helpCommand(false)
    .addHelpText("after", rootHelp);
  const run: Run =
    (action) =>
    async (...args) => {
      code.value = await action(...args);
    };
  addPlaneCommands(program, actions, run);
  addOperatorCommand(program, actions, run);
  addAgentCommand(program, actions, run);
  addToolCommands(program, actions, run);
  return program;
}

/** `up` and `server`. (Subcommands are made with `program.command` so they inherit its settings.) */
function addPlaneCommands(program: Command, actions: CliActions, run: Run): void {
  program
    .command("up")
    .description(
      "run Stackwarden on this machine: the operator, the control plane and the web UI on one address, " +
        "PGlite in --data-dir, and the local sandbox cluster unless --kubeconfig is given; Ctrl-C stops what it started",
    )
    .option(
      "--listen <host:port>",
      "where the UI, the API, /metrics and the probes are served",
      "127.0.0.1:8080",
    )
    .option("--data-dir <dir>", "where PGlite and the admin token live", ".stackwarden")
    .addOption(databaseUrl())
    .addOption(kubeconfig("the local sandbox, started if it is not running"))
    .addOption(namespaces())
    .addOption(
      new Option("--sandbox <name>", "the local sandbox's name")
        .default("default")
        .env("STACKWARDEN_SANDBOX"),
    )
    .addOption(logLevel())
    .action(run((flags: UpFlags) => actions.up(flags)));

  program
    .command("server")
    .description(
      "run the control plane alone: the API, the UI, the DB → cluster reconciler and its observers",
    )
    .option(
      "--listen <host:port>",
      "where the UI, the API, /metrics and the probes are served",
      "0.0.0.0:8080",
    )
    .option("--data-dir <dir>", "where PGlite and the admin token live", ".stackwarden")
    .addOption(databaseUrl())
    .addOption(kubeconfig("KUBECONFIG, else the in-cluster service account"))
    .option("--cluster-name <name>", "the name the cluster is registered under", "local")
    .addOption(logLevel())
    .addHelpText(
      "after",
      "\nEnvironment:\n  STACKWARDEN_ADMIN_TOKEN  the first admin's token (else a random one, printed once)\n",
    )
    .action(run((flags: ServerFlags) => actions.server(flags)));
}

/** A commander parser for a whole number of seconds, at least 1, naming the flag when it is not. */
function wholeSeconds(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(
        `${flag} must be a whole number of seconds, at least 1; got ${JSON.stringify(value)}`,
      );
    return n;
  };
}

/** `operator`. */
function addOperatorCommand(program: Command, actions: CliActions, run: Run): void {
  program
    .command("operator")
    .description("run the operator: reconciles Stacks and the typed kinds in a cluster")
    .addOption(kubeconfig("KUBECONFIG, else the in-cluster service account"))
    .addOption(namespaces())
    .option("--install-crds", "install or update the CRDs at start", false)
    .option("--leader-elect", "take part in leader election; only the leader reconciles", false)
    .addOption(
      new Option("--leader-election-namespace <ns>", "where the election's Lease lives")
        .default("default")
        .env("POD_NAMESPACE"),
    )
    .option("--metrics-bind-address <host:port>", "where /metrics is served; 0 turns it off", ":8080")
    .option(
      "--health-probe-bind-address <host:port>",
      "where /healthz and /readyz are served; 0 turns it off",
      ":8081",
    )
    .addOption(logLevel())
    .addOption(
      new Option(
        "--resync-period-seconds <seconds>",
        "how often every stack is reconciled again when nothing changed",
      )
        .default(600)
        .argParser(wholeSeconds("--resync-period-seconds")),
    )
    .addOption(
      new Option(
        "--cache-sync-timeout-seconds <seconds>",
        "how long a new leader waits for its caches to sync before it gives up the Lease and exits 1",
      )
        .default(120)
        .argParser(wholeSeconds("--cache-sync-timeout-seconds")),
    )
    .addOption(
      new Option(
        "--lease-duration-seconds <seconds>",
        "how long a standby waits, after the leader's last renewal, before it takes the Lease",
      )
        .default(15)
        .argParser(wholeSeconds("--lease-duration-seconds")),
    )
    .addOption(
      new Option(
        "--renew-deadline-seconds <seconds>",
        "how long the leader keeps retrying a renewal before it stops leading",
      )
        .default(10)
        .argParser(wholeSeconds("--renew-deadline-seconds")),
    )
    .addOption(
      new Option("--retry-period-seconds <seconds>", "how often the Lease is tried and renewed")
        .default(2)
        .argParser(wholeSeconds("--retry-period-seconds")),
    )
    .addHelpText(
      "after",
      "\nEnvironment:\n  OTEL_EXPORTER_OTLP_ENDPOINT  send traces there (OTLP over HTTP)\n",
    )
    .action(
      run((flags: OperatorFlags, command: Command) => {
        const problem = leaseTimingProblem(flags);
        if (problem) command.error(`error: ${problem}`, { code: "commander.invalidArgument", exitCode: 2 });
        return actions.operator(flags);
      }),
    );
}

/**
 * Why the leader-election timing cannot work, if it cannot: a renewal must fail before the Lease
 * runs out (or two replicas lead at once), and a retry must come before the renew deadline.
 */
export function leaseTimingProblem(
  flags: Pick<OperatorFlags, "leaseDurationSeconds" | "renewDeadlineSeconds" | "retryPeriodSeconds">,
): string | undefined {
  if (flags.renewDeadlineSeconds >= flags.leaseDurationSeconds)
    return `--renew-deadline-seconds (${flags.renewDeadlineSeconds}) must be less than --lease-duration-seconds (${flags.leaseDurationSeconds})`;
  if (flags.retryPeriodSeconds >= flags.renewDeadlineSeconds)
    return `--retry-period-seconds (${flags.retryPeriodSeconds}) must be less than --renew-deadline-seconds (${flags.renewDeadlineSeconds})`;
  return undefined;
}

/** `agent`. */
function addAgentCommand(program: Command, actions: CliActions, run: Run): void {
  program
    .command("agent")
    .description(
      "run a cluster's agent: connects out to the control plane, applies the cluster's stacks, reports what it sees",
    )
    .requiredOption("--control-plane <url>", "the control plane's URL (https; plain http to localhost only)")
    .requiredOption(
      "--token-file <path>",
      "a file holding the one-time join token (read until the agent has joined)",
    )
    .addOption(
      new Option("--state-dir <path>", "where the agent keeps its credential and its buffer of observations")
        .default("/var/lib/stackwarden-agent")
        .env("STACKWARDEN_AGENT_STATE_DIR"),
    )
    .addOption(kubeconfig("KUBECONFIG, else the in-cluster service account"))
    .option("--with-operator", "also run the operator in this process", false)
    .addOption(
      new Option(
        "--buffer-limit <n>",
        "the most observations kept while the control plane is away; beyond it the oldest are dropped and that is recorded",
      )
        .default(10_000)
        .argParser(positiveInteger("--buffer-limit")),
    )
    .option(
      "--metrics-bind-address <host:port>",
      "where /metrics, /healthz and /readyz are served, e.g. :8080; 0 serves nothing (the agent opens no port)",
      "0",
    )
    .addOption(logLevel())
    .action(run((flags: AgentFlags) => actions.agent(flags)));
}

function positiveInteger(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} must be a whole number above 0`);
    return n;
  };
}

/** `manifests`, `sandbox …`, `kubectl`, `help` and `version`. */
function addToolCommands(program: Command, actions: CliActions, run: Run): void {
  program
    .command("manifests")
    .description(
      "print the deployment manifests: the operator's (CRDs, RBAC, Deployment), the control plane's or an agent's",
    )
    .addArgument(
      new Argument("[plane]", "which plane")
        .choices(["operator", "control-plane", "agent"])
        .default("operator"),
    )
    .action(run((plane: "operator" | "control-plane" | "agent") => actions.manifests(plane)));

  const sandbox = program
    .command("sandbox")
    .description("a local Kubernetes cluster: kube-apiserver, etcd, KWOK")
    .helpCommand(false);
  const sandboxName = (): Option =>
    new Option("--name <name>", "the sandbox's name").default("default").env("STACKWARDEN_SANDBOX");
  const sandboxActions = {
    up: "start a sandbox, or return the running one; returns once it is usable (idempotent)",
    down: "stop every sandbox process and remove its state",
    status: "show the sandbox's processes and health (exit 3 when it is not running)",
    kubeconfig: "print the path of the sandbox's admin kubeconfig",
  } as const;
  for (const [action, description] of Object.entries(sandboxActions)) {
    sandbox
      .command(action)
      .description(description)
      .addOption(sandboxName())
      .action(
        run((flags: { name: string }) => actions.sandbox(action as keyof typeof sandboxActions, flags.name)),
      );
  }

  sandbox
    .command("restart")
    .description(
      "restart one component in place (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok): same ports, certificates and data",
    )
    .argument("<component>", "the component to restart")
    .addOption(sandboxName())
    .action(
      run((component: string, flags: { name: string }) => actions.sandboxRestart(component, flags.name)),
    );

  program
    .command("kubectl")
    .description(
      "the bundled kubectl, pointed at the sandbox (STACKWARDEN_SANDBOX picks which); all flags are kubectl's",
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument("[args...]", "kubectl's arguments")
    .action(run((args: string[]) => actions.kubectl(args)));

  program
    .command("help")
    .description("show the commands, or a command's flags (the same as `stackwarden <command> --help`)")
    .argument("[command...]", "a command, e.g. `operator` or `sandbox up`")
    .action(
      run((path: string[]) => {
        let command: Command | undefined = program;
        for (const name of path) command = command?.commands.find((c) => c.name() === name);
        if (command === undefined) {
          return program.error(`unknown command '${path.join(" ")}'`, { exitCode: exitCodes.usage });
        }
        command.outputHelp();
        return Promise.resolve(exitCodes.ok);
      }),
    );

  program
    .command("version")
    .description("print Stackwarden's version, the sandbox's Kubernetes version and the templates' versions")
    .action(run(() => actions.version()));
}

/**
 * Parses `argv` (the arguments after `stackwarden`) and runs the command it names. Resolves to the
 * exit code: the command's own, 0 after `--help` or `help`, {@link exitCodes.usage} after a usage error (the
 * message and the help hint are on `output.err`). A command's own failure rejects.
 */
export async function runCli(
  argv: readonly string[],
  actions: CliActions,
  output: CliOutput = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  },
): Promise<number> {
  const code = { value: exitCodes.ok as number };
  try {
    await buildProgram(actions, output, code).parseAsync([...argv], { from: "user" });
  } catch (e: unknown) {
    if (!(e instanceof CommanderError)) throw e;
    return e.code === "commander.helpDisplayed" || e.code === "commander.version"
      ? exitCodes.ok
      : exitCodes.usage;
  }
  return code.value;
}
