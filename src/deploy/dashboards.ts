/**
 * Stackwarden's two Grafana dashboards (operator, control plane), built from a
 * short list of panels so that the queries are easy to read and to check:
 * `metrics-exported.integration.test.ts` scrapes a running operator and
 * control plane and fails when a query names a metric neither exports.
 * `npm run chart` writes them to deploy/dashboards/ and into the chart.
 */

/** One panel: a title, its PromQL queries (with legends) and the unit of its values. */
export interface PanelSpec {
  readonly title: string;
  readonly queries: ReadonlyArray<readonly [expr: string, legend: string]>;
  readonly unit?: string;
  /** `stat` shows the latest value large; `timeseries` (the default) a graph. */
  readonly type?: "timeseries" | "stat";
}

/** A dashboard as Grafana imports it (schema 39), with a Prometheus data source to choose. */
export function dashboard(uid: string, title: string, panels: readonly PanelSpec[]): Record<string, unknown> {
  return {
    uid,
    title,
    tags: ["stackwarden"],
    editable: true,
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    templating: {
      list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus" }],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: p.type ?? "timeseries",
      title: p.title,
      datasource: { type: "prometheus", uid: "${datasource}" },
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
      targets: p.queries.map(([expr, legendFormat], j) => ({
        refId: String.fromCharCode(65 + j),
        expr,
        legendFormat,
      })),
    })),
  };
}

const rate = (metric: string, by: string): string => `sum by (${by}) (rate(${metric}[5m]))`;
const p95 = (histogram: string, by: string): string =>
  `histogram_quantile(0.95, sum by (le, ${by}) (rate(${histogram}_bucket[5m])))`;

/** The operator: reconciles, errors, drift, watches, leadership and the process. */
export const operatorDashboard = dashboard("stackwarden-operator", "Stackwarden / Operator", [
  {
    title: "Leader",
    type: "stat",
    queries: [["max by (instance) (leader_election_master_status)", "{{instance}}"]],
  },
  {
    title: "Reconciles per second",
    unit: "ops",
    queries: [
      [rate("controller_runtime_reconcile_total", "controller, result"), "{{controller}} {{result}}"],
    ],
  },
  {
    title: "Reconcile errors by class",
    unit: "ops",
    queries: [
      [rate("stackwarden_reconcile_errors_by_class_total", "controller, class"), "{{controller}} {{class}}"],
      [rate("controller_runtime_terminal_reconcile_errors_total", "controller"), "{{controller}} terminal"],
    ],
  },
  {
    title: "Reconcile time (p95)",
    unit: "s",
    queries: [[p95("controller_runtime_reconcile_time_seconds", "controller"), "{{controller}}"]],
  },
  {
    title: "Work queue depth and retries",
    queries: [
      ["sum by (name) (workqueue_depth)", "{{name}} depth"],
      [rate("workqueue_retries_total", "name"), "{{name}} retries/s"],
    ],
  },
  {
    title: "Time in queue (p95)",
    unit: "s",
    queries: [[p95("workqueue_queue_duration_seconds", "name"), "{{name}}"]],
  },
  {
    title: "Phase transitions (1 h)",
    queries: [["sum by (kind, to) (increase(stackwarden_phase_transitions_total[1h]))", "{{kind}} → {{to}}"]],
  },
  {
    title: "Ready components per stack",
    queries: [
      [
        "sum by (kind, namespace, name) (stackwarden_stack_components_ready)",
        "{{kind}} {{namespace}}/{{name}}",
      ],
    ],
  },
  {
    title: "Drift detected",
    unit: "ops",
    queries: [
      [rate("stackwarden_drift_detected_total", "resource_kind, change"), "{{resource_kind}} {{change}}"],
    ],
  },
  {
    title: "Seconds since the last watch event",
    unit: "s",
    queries: [["max by (resource) (stackwarden_reflector_last_event_age_seconds)", "{{resource}}"]],
  },
  {
    title: "Watch reconnects and errors",
    unit: "ops",
    queries: [
      [rate("stackwarden_reflector_reconnects_total", "resource, reason"), "{{resource}} {{reason}}"],
      [rate("stackwarden_reflector_errors_total", "resource, class"), "{{resource}} error {{class}}"],
    ],
  },
  {
    title: "Cached objects",
    queries: [["sum by (resource) (stackwarden_reflector_objects)", "{{resource}}"]],
  },
  {
    title: "Memory",
    unit: "bytes",
    queries: [["sum by (instance) (process_resident_memory_bytes)", "{{instance}}"]],
  },
  {
    title: "CPU",
    unit: "percentunit",
    queries: [[rate("process_cpu_seconds_total", "instance"), "{{instance}}"]],
  },
  {
    title: "Heap compactions, share of time",
    unit: "percentunit",
    queries: [
      [rate("stackwarden_heap_compaction_duration_seconds_sum", "instance, when"), "{{instance}} {{when}}"],
    ],
  },
]);

/** The control plane: its database, the API, the stack reconciler and observers. */
export const controlPlaneDashboard = dashboard("stackwarden-control-plane", "Stackwarden / Control plane", [
  {
    title: "Database reachable",
    type: "stat",
    queries: [["min by (instance) (stackwarden_store_up)", "{{instance}}"]],
  },
  {
    title: "Stacks not seen in their cluster",
    type: "stat",
    queries: [["sum by (cluster) (stackwarden_stacks_unobserved)", "{{cluster}}"]],
  },
  {
    title: "API requests per second",
    unit: "reqps",
    queries: [
      [
        rate("stackwarden_http_request_duration_seconds_count", "route, status_code"),
        "{{route}} {{status_code}}",
      ],
    ],
  },
  {
    title: "API latency (p95)",
    unit: "s",
    queries: [[p95("stackwarden_http_request_duration_seconds", "route"), "{{route}}"]],
  },
  {
    title: "Stack reconciles per second",
    unit: "ops",
    queries: [
      [
        'sum by (controller, result) (rate(controller_runtime_reconcile_total{controller=~"controlplane_.*"}[5m]))',
        "{{controller}} {{result}}",
      ],
    ],
  },
  {
    title: "Reconcile errors by class",
    unit: "ops",
    queries: [
      [
        'sum by (controller, class) (rate(stackwarden_reconcile_errors_by_class_total{controller=~"controlplane_.*"}[5m]))',
        "{{controller}} {{class}}",
      ],
    ],
  },
  {
    title: "Work queue depth",
    queries: [['sum by (name) (workqueue_depth{name=~"controlplane_.*"})', "{{name}}"]],
  },
  {
    title: "Reconcile time (p95)",
    unit: "s",
    queries: [
      [
        'histogram_quantile(0.95, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket{controller=~"controlplane_.*"}[5m])))',
        "{{controller}}",
      ],
    ],
  },
  {
    title: "Memory",
    unit: "bytes",
    queries: [["sum by (instance) (process_resident_memory_bytes)", "{{instance}}"]],
  },
  {
    title: "Event loop lag (p99)",
    unit: "s",
    queries: [["max by (instance) (nodejs_eventloop_lag_p99_seconds)", "{{instance}}"]],
  },
]);

/** The dashboards by file name, as `npm run chart` writes them. */
export const dashboards: ReadonlyMap<string, Record<string, unknown>> = new Map([
  ["stackwarden-operator.json", operatorDashboard],
  ["stackwarden-control-plane.json", controlPlaneDashboard],
]);

/** The metric names a PromQL expression reads (histogram series named by their histogram). */
export function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]*\s*\()/g)) {
    const token = m[1] ?? "";
    if (operators.has(token)) continue;
    names.add(token.replace(/_(bucket|count|sum)$/, ""));
  }
  return [...names];
}

const operators = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);
