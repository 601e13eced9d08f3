import { Counter, Gauge } from "prom-client";
import { stackResourceType, type Stack } from "../../api/stack.ts";
import type { Controller } from "../../engine/controller.ts";
import { toError } from "../../engine/errors.ts";
import type { LiveObjects } from "../../kube/apply.ts";
import { foreignChanges, OwnDeletions } from "../../kube/drift.ts";
import { patchStatus } from "../../kube/status.ts";
import type { Reflector } from "../../kube/reflector.ts";
import type { ResourceType } from "../../kube/resource-type.ts";
import type { KubeObject } from "../../kube/store.ts";
import { managedByLabel, managedByValue, stackLabel } from "../../resources/labels.ts";
import type { Manager } from "../manager.ts";
import { DriftTracker } from "./drift-tracker.ts";
import { isIgnoredField } from "./ignore-rules.ts";
import { decide } from "./lifecycle.ts";
import { decisionStatus, failureStatus } from "./stack-status.ts";
import { StackReconciler, baseObservation } from "./reconcile-stack.ts";
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
];

export interface StackControllerOptions {
  /** Watch only these namespaces; all when empty. */
  readonly namespaces?: readonly string[];
  readonly maxConcurrentReconciles?: number;
  readonly now?: () => number;
}

/**
 * Registers the Stack controller on a manager: caches of Stacks and of every
 * object kind a stack owns (by our managed-by label only), the reconciler,
 * and the drift watch — an owned object changed by another field manager, or
 * deleted by anyone but us, is recorded as an Event on its stack and the
 * stack is reconciled at once, which puts the object back.
 */
export function registerStackController(manager: Manager, options: StackControllerOptions = {}): Controller {
  const scopes = options.namespaces && options.namespaces.length > 0 ? options.namespaces : [undefined];
  const now = options.now ?? Date.now;
  manager.types.register(stackResourceType);
  const stackCaches = scopes.map((namespace) =>
    manager.reflector<Stack>(stackResourceType, namespace ? { namespace } : {}),
  );
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
  const stackCache = (namespace: string | undefined): Reflector<Stack> | undefined => {
    const i = scopes.findIndex((s) => s === undefined || s === namespace);
    return stackCaches[i < 0 ? 0 : i];
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
      for (const c of stackCaches) {
        for (const s of c.store.list()) {
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

  const getStack = (key: string): Stack | undefined => {
    const namespace = key.includes("/") ? key.split("/")[0] : undefined;
    return stackCache(namespace)?.store.get(key);
  };
  const reconciler = new StackReconciler({
    apply: { client: manager.client, types: manager.types, live },
    stacks: {
      get: getStack,
      written: (o) => stackCache(o.metadata.namespace)?.store.recordWrite(o as Stack),
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
    failedAfter: 5,
  });

  const primary = stackCaches[0]!;
  const controller = manager.addController(primary, {
    name: "stack",
    reconciler,
    maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4,
    onFailure: async (key, error, failures, errorClass, failed) => {
      const stack = getStack(key);
      if (!stack) return;
      const message = manager.redactor.redact(toError(error).message);
      manager.log.warn(
        { kind: "Stack", key, failures, errorClass, error: message },
        "reconcile failed; retrying",
      );
      const transactions = [
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
        transactions.push(
          decisionStatus(decision, stack.metadata.generation ?? 0, new Date(now()).toISOString()),
        );
      }
      await patchStatus<StackStatus>({
        client: manager.client,
        type: stackResourceType,
        namespace: stack.metadata.namespace,
        name: stack.metadata.name,
        current: stack,
        transactions,
      }).catch((e: unknown) =>
        manager.log.warn({ error: toError(e).message }, "could not record the failure"),
      );
    },
  });
  for (const cache of stackCaches.slice(1)) {
    cache.on((e) => controller.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`));
  }

  // Children: any change enqueues the owning stack; foreign changes and deletions are drift.
  const ownerKey = (o: KubeObject): string | undefined => {
    const ref = o.metadata.ownerReferences?.find(
      (r) => r.controller && r.apiVersion === `${stackResourceType.group}/${stackResourceType.version}`,
    );
    return ref && o.metadata.namespace ? `${o.metadata.namespace}/${ref.name}` : undefined;
  };
  for (const caches of ownedCaches.values()) {
    for (const cache of caches) {
      cache.on((event) => {
        const key = ownerKey(event.object);
        if (!key) return;
        const stack = getStack(key);
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
        controller.queue.add(key);
      });
    }
  }
  return controller;
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
