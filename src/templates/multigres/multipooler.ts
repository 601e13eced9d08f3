import type { MultigresSpec } from "../../api/multigres.ts";
import { selectorLabels } from "../../resources/labels.ts";
import type { Manifest } from "../../resources/manifest.ts";
import { restrictedSecurityContext } from "../../resources/pod-defaults.ts";
import type { RenderContext } from "../template.ts";
import { buildAutoscaler, replicasUnlessAutoscaled } from "./autoscaler.ts";
import { container, servicePorts } from "./container.ts";
import { dataClaim } from "./etcd.ts";
import { multigresNames, topologyFlags } from "./names.ts";

/** The multipooler container's ports: HTTP 15200, gRPC 15270. */
export const multipoolerPorts = [
  ["http", 15200],
  ["grpc", 15270],
] as const;
/** The pgctld container's port: gRPC 15400. */
export const pgctldPorts = [["pgctld-grpc", 15400]] as const;
/** The postgres container's port: 5432. */
export const postgresPorts = [["postgres", 5432]] as const;

/** The generated Secret (`<name>-postgres`) and its key holding the postgres superuser's password. */
export const postgresSecret = { name: "postgres", key: "password" } as const;

const dataMount = { name: "data", mountPath: "/var/lib/postgresql/data" };
const socketMount = { name: "socket", mountPath: "/var/run/postgresql" };
const pgdata = "/var/lib/postgresql/data/pgdata";

/**
 * The multipooler: a StatefulSet of `spec.multipooler.replicas` (left out
 * under an HPA) whose pods run three containers — multipooler (15200,
 * 15270), pgctld (15400) and postgres (5432) — sharing the data volume and
 * the postgres socket directory, as uid/gid 999 (the postgres image's user);
 * a headless Service for the pods' stable names; the HPA when autoscaling
 * is on. The superuser password comes from the generated Secret by
 * reference, never by value.
 */
export function buildMultipooler(ctx: RenderContext<MultigresSpec>): Manifest[] {
  const { stack, params } = ctx;
  const names = multigresNames(stack.name);
  const spec = params.multipooler;
  const pull = params.imagePullPolicy;
  const password = {
    name: "POSTGRES_PASSWORD",
    valueFrom: { secretKeyRef: { name: ctx.secretName(postgresSecret.name), key: postgresSecret.key } },
  };
  const hpa = buildAutoscaler({
    kind: "StatefulSet",
    name: names.multipooler,
    autoscaling: spec.autoscaling,
  });
  return [
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: names.multipooler },
      spec: {
        ...replicasUnlessAutoscaled(spec.replicas, spec.autoscaling),
        serviceName: names.multipoolerHeadless,
        podManagementPolicy: "Parallel",
        template: {
          spec: {
            securityContext: restrictedSecurityContext({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 }),
            enableServiceLinks: false,
            containers: [
              container({
                name: "multipooler",
                image: params.image,
                pullPolicy: pull,
                ports: multipoolerPorts,
                resources: spec.pooler.resources,
                command: ["multipooler"],
                args: [
                  `--http-port=${multipoolerPorts[0][1]}`,
                  `--grpc-port=${multipoolerPorts[1][1]}`,
                  `--pgctld-addr=localhost:${pgctldPorts[0][1]}`,
                  `--socket-file=${socketMount.mountPath}/.s.PGSQL.${postgresPorts[0][1]}`,
                  ...topologyFlags(stack),
                ],
                readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10 },
                volumeMounts: [socketMount],
              }),
              container({
                name: "pgctld",
                image: params.image,
                pullPolicy: pull,
                ports: pgctldPorts,
                resources: spec.pgctld.resources,
                command: ["pgctld"],
                args: [
                  "server",
                  `--grpc-port=${pgctldPorts[0][1]}`,
                  `--pg-data-dir=${pgdata}`,
                  `--pg-port=${postgresPorts[0][1]}`,
                ],
                env: [password],
                volumeMounts: [dataMount, socketMount],
              }),
              container({
                name: "postgres",
                image: spec.postgres.image,
                pullPolicy: pull,
                ports: postgresPorts,
                resources: spec.postgres.resources,
                env: [{ name: "PGDATA", value: pgdata }, password],
                readinessProbe: {
                  exec: { command: ["pg_isready", "-h", socketMount.mountPath] },
                  periodSeconds: 10,
                },
                volumeMounts: [dataMount, socketMount],
              }),
            ],
            volumes: [{ name: "socket", emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [dataClaim(spec.storage)],
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: names.multipoolerHeadless },
      spec: {
        clusterIP: "None",
        selector: selectorLabels({ stack: stack.name, component: "multipooler" }),
        ports: servicePorts([...multipoolerPorts, ...postgresPorts]),
      },
    },
    ...(hpa ? [hpa] : []),
  ];
}
