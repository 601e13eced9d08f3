import { Counter, Gauge } from "prom-client";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import type { Controller } from "../../engine/controller.ts";
import { toError } from "../../engine/errors.ts";
import type { LiveObjects } from "../../kube/apply.ts";
import { foreignChanges, OwnDeletions } from "../../kube/drift.ts";
import { patchStatus } from "../../kube/status.ts";
import type { Reflector } from "../../kube/reflector.ts";
import type { ResourceType } from "../../api/resource-type.ts";
import type { KubeObject } from "../../api/object.ts";
import { managedByLabel, managedByValue, stackLabel } from "../../resources/labels.ts";
import type { Manager } from "../manager.ts";
import { DriftTracker } from "./drift-tracker.ts";
import { isIgnoredField } from "./ignore-rules.ts";
import { decide } from "./lifecycle.ts";
import { decisionStatus, failureStatus } from "./stack-status.ts";
import { StackReconciler, baseObservation, stackFinalizer } from "./reconcile-stack.ts";
import { engineStatusField, type KindBinding } from "../kind-binding.ts";
import { kindMetrics } from "../kind-metrics.ts";
import { stackCrd } from "../../api/crd.ts";
import { findTemplate } from "../../templates/registry.ts";
import type { StackStatus } from "../../api/stack.ts";

/** The kinds a stack's children can have; the operator caches those it labelled as its own. */
export const ownedKinds: ReadonlyArray<[apiVersion: string, kind: string]> = [
  ["v1", "ConfigMap"],
  ["v1", "Secret"],
  ["v1", "Service"],
  ["v1", "ServiceAccount"],
  ["v1", "PersistentVolumeClaim"],
  ["apps/v1", "StatefulSet"],
  ["apps/v1", "Deployment"],
  ["batch/v1", "Job"],
  ["policy/v1", "PodDisruptionBudget"],
  ["autoscaling/v2", "HorizontalPodAutoscaler"],
  ["rbac.authorization.k8s.io/v1", "Role"],
  ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  ["networking.k8s.io/v1", "Ingress"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
];

export interface StackControllerOptions {
  /** Watch only these namespaces; all when empty. */
  readonly namespaces?: readonly string[];
  readonly maxConcurrentReconciles?: number;
  readonly now?: () => number;
}

/** The generic Stack kind, bound to the engine as itself. */
export const stackBinding: KindBinding = {
  type: stackResourceType,
  finalizer: stackFinalizer,
  crd: stackCrd,
  asStack: (object) => object as Stack,
};

/** One bound kind at run time: its caches, its controller and how to read its objects. */
interface Served {
  readonly binding: KindBinding;
  readonly caches: Reflector[];
  readonly get: (key: string) => KubeObject | undefined;
  controller?: Controller;
}

/**
 * Registers one controller per bound kind on a manager (the generic Stack by
 * default): caches of each kind and of every object kind a stack owns (by our
 * managed-by label only), the reconcilers, and the drift watch — an owned
 * object changed by another field manager, or deleted by anyone but us, is
 * recorded as an Event on its owner and the owner is reconciled at once,
 * which puts the object back. Returns the controllers, in binding order.
 */
export function registerStackControllers(
  manager: Manager,
  bindings: readonly KindBinding[] = [stackBinding],
  options: StackControllerOptions = {},
): Controller[] {
  const scopes = options.namespaces && options.namespaces.length > 0 ? options.namespaces : [undefined];
  const now = options.now ?? Date.now;
  const scopeIndex = (namespace: string | undefined): number => {
    const i = scopes.findIndex((s) => s === undefined || s === namespace);
    return i < 0 ? 0 : i;
  };
  const served: Served[] = bindings.map((binding) => {
    manager.types.register(binding.type);
    const caches = scopes.map((namespace) => manager.reflector(binding.type, namespace ? { namespace } : {}));
    const get = (key: string): KubeObject | undefined => {
      const namespace = key.includes("/") ? key.split("/")[0] : undefined;
      return caches[scopeIndex(namespace)]?.store.get(key);
    };
    return { binding, caches, get };
  });
  const ownedCaches = new Map<string, Reflector[]>();
  for (const [apiVersion, kind] of ownedKinds) {
    const type = manager.types.known(apiVersion, kind)!;
    ownedCaches.set(
      kind,
      scopes.map((namespace) =>
        manager.reflector(type, {
          ...(namespace ? { namespace } : {}),
          labelSelector: `${managedByLabel}=${managedByValue}`,
        }),
      ),
    );
  }
  const cacheFor = (kind: string, namespace: string | undefined): Reflector | undefined => {
    const caches = ownedCaches.get(kind) ?? [];
    const i = scopes.findIndex((s) => s === undefined || s === namespace);
    return caches[i < 0 ? 0 : i];
  };
  const ownDeletions = new OwnDeletions();
  const live: LiveObjects = {
    get: (type: ResourceType, namespace, name) =>
      cacheFor(type.kind, namespace)?.store.get(namespace ? `${namespace}/${name}` : name),
    written: (type, object) => cacheFor(type.kind, object.metadata.namespace)?.store.recordWrite(object),
    deleted: (type, object) => {
      if (object.metadata.uid) ownDeletions.add(object.metadata.uid);
      cacheFor(type.kind, object.metadata.namespace)?.store.recordDelete(object);
    },
  };
  const drift = new DriftTracker({ now });
  const transitions = new Counter({
    name: "stackwarden_phase_transitions_total",
    help: "Stack phase transitions",
    labelNames: ["kind", "from", "to"] as const,
    registers: [manager.registry],
  });
  const componentsReady = new Gauge({
    name: "stackwarden_stack_components_ready",
    help: "Ready components of each stack",
    labelNames: ["kind", "namespace", "name"] as const,
    registers: [manager.registry],
    collect() {
      this.reset();
      for (const c of served.flatMap((x) => x.caches)) {
        for (const s of c.store.list() as Stack[]) {
          this.set(
            { kind: s.kind ?? "Stack", namespace: s.metadata.namespace ?? "", name: s.metadata.name },
            s.status?.readyComponents ?? 0,
          );
        }
      }
    },
  });
  void componentsReady;
  const corrections = new Counter({
    name: "stackwarden_drift_detected_total",
    help: "Out-of-band changes to managed objects, by kind of object and of change",
    labelNames: ["resource_kind", "change"] as const,
    registers: [manager.registry],
  });

  for (const x of served) {
    const { binding, caches, get } = x;
    const own = binding.metricsPrefix
      ? kindMetrics(manager.registry, binding.metricsPrefix, () => caches.flatMap((c) => c.store.list()))
      : undefined;
    const reconciler = new StackReconciler({
      apply: { client: manager.client, types: manager.types, live },
      binding,
      stacks: {
        get,
        written: (o) => caches[scopeIndex(o.metadata.namespace)]?.store.recordWrite(o),
      },
      children: (stack) =>
        [...ownedCaches.keys()].flatMap((kind) =>
          (
            cacheFor(kind, stack.metadata.namespace)?.store.list({
              ...(stack.metadata.namespace ? { namespace: stack.metadata.namespace } : {}),
              labelSelector: `${stackLabel}=${stack.metadata.name}`,
            }) ?? []
          ).filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === stack.metadata.uid)),
        ),
      secret: (namespace, name) => cacheFor("Secret", namespace)?.store.get(`${namespace}/${name}`),
      events: manager.events,
      redactor: manager.redactor,
      drift,
      deleted: (o) => live.deleted?.(manager.types.known(o.apiVersion ?? "", o.kind ?? "")!, o),
      written: (o) => live.written?.(manager.types.known(o.apiVersion ?? "", o.kind ?? "")!, o),
      now,
      transitions,
      ...(own ? { onTransition: own.transition } : {}),
      failedAfter: 5,
    });
    const controller = manager.addController(caches[0]!, {
      name: binding.type.kind.toLowerCase(),
      reconciler: own ? own.timed(reconciler) : reconciler,
      maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4,
      onFailure: async (key, error, failures, errorClass, failed) => {
        const object = get(key);
        if (!object) return;
        own?.error(object, errorClass);
        const stack = binding.asStack(object);
        const message = manager.redactor.redact(toError(error).message);
        manager.log.warn(
          { kind: binding.type.kind, key, failures, errorClass, error: message },
          "reconcile failed; retrying",
        );
        const engine = [
          failureStatus({
            time: new Date(now()).toISOString(),
            reason: `${errorClass[0]!.toUpperCase()}${errorClass.slice(1)}Error`,
            message,
            retryCount: failures,
          }),
        ];
        if (failed) {
          const decision = decide({
            ...baseObservation(stack, 5),
            components: [],
            failures,
            lastError: message,
          });
          engine.push(
            decisionStatus(decision, stack.metadata.generation ?? 0, new Date(now()).toISOString()),
          );
        }
        const project = binding.projectStatus;
        await patchStatus<Record<string, unknown>>({
          client: manager.client,
          type: binding.type,
          namespace: object.metadata.namespace,
          name: object.metadata.name,
          current: object,
          transactions: [
            (s) => {
              const inner = (project ? (s[engineStatusField] ?? {}) : s) as StackStatus;
              for (const tx of engine) tx(inner);
              if (project) {
                s[engineStatusField] = inner;
                Object.assign(s, project(inner, object));
              }
            },
          ],
        }).catch((e: unknown) =>
          manager.log.warn({ error: toError(e).message }, "could not record the failure"),
        );
      },
    });
    for (const cache of caches.slice(1)) {
      cache.on((e) => controller.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`));
    }
    x.controller = controller;
  }

  // Children: any change enqueues the owning stack; foreign changes and deletions are drift.
  const ownerOf = (o: KubeObject): { key: string; owner: Served } | undefined => {
    for (const r of o.metadata.ownerReferences ?? []) {
      if (!r.controller || !o.metadata.namespace) continue;
      const owner = served.find(
        (x) =>
          x.binding.type.kind === r.kind &&
          `${x.binding.type.group}/${x.binding.type.version}` === r.apiVersion,
      );
      if (owner) return { key: `${o.metadata.namespace}/${r.name}`, owner };
    }
    return undefined;
  };
  for (const caches of ownedCaches.values()) {
    for (const cache of caches) {
      cache.on((event) => {
        const found = ownerOf(event.object);
        if (!found) return;
        const { key, owner } = found;
        const raw = owner.get(key);
        const stack = raw ? owner.binding.asStack(raw) : undefined;
        const object = `${event.object.kind}/${event.object.metadata.name}`;
        if (event.type === "modified" && stack) {
          const template = findTemplate(stack.spec.template, stack.spec.templateVersion);
          const rules = [...(template?.ignore ?? []), ...stack.spec.drift.ignore];
          for (const change of foreignChanges(event.previous, event.object)) {
            const fields = change.fields.filter(
              (f) => !isIgnoredField(event.object.kind ?? "", event.object.metadata.name, f, rules),
            );
            if (fields.length === 0 || stack.spec.drift.policy === "ignore") continue;
            drift.note(key, { object, kind: "modified", manager: change.manager, fields });
            corrections.inc({ resource_kind: event.object.kind ?? "", change: "modified" });
            manager.events.record(stackRef(stack), {
              type: "Warning",
              reason: "ResourceModifiedExternally",
              action: "Detect",
              note: `${object}: ${fields.join(", ")} changed by ${change.manager}`,
            });
          }
        }
        if (event.type === "deleted" && stack && !ownDeletions.take(event.object.metadata.uid ?? "")) {
          if (!stack.metadata.deletionTimestamp && stack.spec.drift.policy !== "ignore") {
            drift.note(key, { object, kind: "deleted", manager: "unknown", fields: [] });
            corrections.inc({ resource_kind: event.object.kind ?? "", change: "deleted" });
            manager.events.record(stackRef(stack), {
              type: "Warning",
              reason: "ResourceDeletedExternally",
              action: "Detect",
              note: `${object} was deleted by someone else`,
            });
          }
        }
        owner.controller?.queue.add(key);
      });
    }
  }
  return served.map((x) => x.controller!);
}

function stackRef(stack: Stack): {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
} {
  return {
    apiVersion: stack.apiVersion ?? "stackwarden.dev/v1alpha1",
    kind: stack.kind ?? "Stack",
    name: stack.metadata.name,
    ...(stack.metadata.namespace ? { namespace: stack.metadata.namespace } : {}),
    ...(stack.metadata.uid ? { uid: stack.metadata.uid } : {}),
  };
}
