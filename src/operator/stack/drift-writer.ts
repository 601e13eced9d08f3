import type { DriftRecord } from "../../api/stack.ts";

/**
 * Field managers people write with: kubectl's subcommands (`kubectl`, `kubectl-edit`,
 * `kubectl-patch`, `kubectl-client-side-apply`, `kubectl-scale`, `kubectl-label`, …) and the
 * common consoles built on it. Their changes are a person's.
 */
const personManagers: readonly RegExp[] = [/^kubectl($|-)/, /^k9s$/, /^Mozilla$/, /^kubernetes-dashboard$/];

/**
 * Who made an out-of-band change. A deletion is always a person's: the API server does not say
 * who deleted an object, and a deleted child is repaired every time whoever deleted it. An edit by
 * a kubectl-like field manager is a person's; any other field manager is another controller,
 * whose repeated writes may become a drift fight. Pure.
 */
export function classifyWriter(change: DriftRecord["change"], manager: string): DriftRecord["by"] {
  if (change === "Deleted") return "Person";
  return personManagers.some((p) => p.test(manager)) ? "Person" : "Controller";
}
