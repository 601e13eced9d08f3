/**
 * A store with the built-in templates and one minecraft-java stack in it, for
 * the tests of what hangs off a stack (backups, schedules).
 */
import { builtinTemplateRecords } from "../controlplane/guardrails.ts";
import type { Store } from "../controlplane/store/store.ts";

/** Registers the `local` cluster and the built-in templates, creates the stack `games/mc` as alice; returns its id. */
export async function seedMinecraftStack(store: Store): Promise<string> {
  await store.catalog.ensureCluster("local", "this machine");
  await store.catalog.syncBuiltins(builtinTemplateRecords());
  const { stack } = await store.stacks.create(
    {
      template: "minecraft-java",
      templateVersion: builtinTemplateRecords().find((t) => t.name === "minecraft-java")!.version,
      cluster: "local",
      namespace: "games",
      name: "mc",
      params: { eula: true },
      drift: { policy: "enforce", ignore: [] },
    },
    "alice",
  );
  return stack.id;
}
