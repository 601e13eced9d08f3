import { MultigresSpecSchema, type MultigresSpec } from "../../api/multigres.ts";
import type { Template } from "../template.ts";
import { buildEtcd } from "./etcd.ts";
import { buildMultigateway } from "./multigateway.ts";
import { buildMultiorch } from "./multiorch.ts";
import { buildMultipooler, postgresSecret } from "./multipooler.ts";

/**
 * `multigres`: the template behind the `Multigres` kind; its parameters are
 * the kind's spec. Four independent components — etcd, multigateway,
 * multiorch, multipooler — with no dependencies between them, so the engine
 * applies them together and judges each on its own: one that is not ready
 * never holds back the others (each waits for its peers at run time, as the
 * Multigres processes retry their topology connection). Images are upgrades
 * (rolled back when a component misses its deadline); volume sizes are fixed
 * at creation; etcd and multipooler volumes hold data.
 */
export const multigres: Template<MultigresSpec> = {
  name: "multigres",
  version: "1.0.0",
  description: "Multigres: sharded Postgres with etcd, multigateway, multiorch and multipooler.",
  params: MultigresSpecSchema,
  guardrails: { immutable: ["/etcd/storage", "/multipooler/storage"], adoptable: [] },
  components: [
    { name: "etcd", dependsOn: [], healthDeadlineSeconds: 300, build: buildEtcd },
    { name: "multigateway", dependsOn: [], healthDeadlineSeconds: 300, build: buildMultigateway },
    { name: "multiorch", dependsOn: [], healthDeadlineSeconds: 300, build: buildMultiorch },
    { name: "multipooler", dependsOn: [], healthDeadlineSeconds: 600, build: buildMultipooler },
  ],
  upgrade: { fields: ["/image", "/etcd/image", "/multipooler/postgres/image"] },
  ignore: [],
  generatedSecrets: [{ name: postgresSecret.name, keys: [postgresSecret.key], length: 32 }],
  prerequisites: () => [],
  data: { components: ["etcd", "multipooler"] },
};
