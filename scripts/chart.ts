/**
 * `npm run chart`: writes the generated parts of charts/stackwarden (CRDs, RBAC
 * rules, alert rules, dashboards) and deploy/dashboards/ from the code. Run it after changing a CRD, the RBAC in
 * the manifests or deploy/alerts; the tests fail until the chart is in step.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { chartDir, chartFiles, dashboardFiles, dashboardsDir } from "../src/deploy/chart-files.ts";

const files = await chartFiles();
// Generated folders hold only what the code generates: a CRD or role that is gone leaves no file behind.
for (const folder of ["crds", "files/rbac", "files/dashboards"])
  await rm(join(chartDir, folder), { recursive: true, force: true });
for (const [path, content] of files) {
  await mkdir(dirname(join(chartDir, path)), { recursive: true });
  await writeFile(join(chartDir, path), content);
}
await mkdir(dashboardsDir, { recursive: true });
for (const [name, content] of dashboardFiles()) await writeFile(join(dashboardsDir, name), content);
process.stderr.write(
  `wrote ${files.size} files under ${chartDir}: ${(await readdir(join(chartDir, "crds"))).length} CRDs\n`,
);
