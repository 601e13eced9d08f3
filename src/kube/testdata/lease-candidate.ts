/**
 * One leader-election candidate in a process of its own, for
 * `leader-election.integration.test.ts`: `node lease-candidate.ts <namespace> <lease> <identity>`
 * against the cluster of STACKWARDEN_TEST_KUBECONFIG. It prints one JSON line per event to stdout
 * (`started`, `newLeader`, `leading`, `stopped`, `exited`) and stops (releasing the Lease) on
 * SIGTERM or when its stdin closes, so it never outlives the test that spawned it.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../client.ts";
import { LeaderElector } from "../leader-election.ts";

const [namespace, name, identity] = process.argv.slice(2);
const kubeconfig = process.env.STACKWARDEN_TEST_KUBECONFIG;
if (!namespace || !name || !identity || !kubeconfig) {
  process.stderr.write(
    "usage: STACKWARDEN_TEST_KUBECONFIG=… lease-candidate.ts <namespace> <lease> <identity>\n",
  );
  process.exit(2);
}

const emit = (event: string, fields: Record<string, unknown> = {}): void =>
  void process.stdout.write(`${JSON.stringify({ event, identity, at: Date.now(), ...fields })}\n`);

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const client = new KubeClient(kc);
const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
process.stdin.on("close", () => stop.abort());
process.stdin.resume();

const elector = new LeaderElector({
  client,
  namespace,
  name,
  identity,
  onStartedLeading: () => emit("leading"),
  onStoppedLeading: () => emit("stopped"),
  onNewLeader: (holder) => emit("newLeader", { holder }),
  log: (level, message, fields) =>
    void process.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`),
});
emit("started");
await elector.run(stop.signal);
client.close();
emit("exited");
process.exit(0);
