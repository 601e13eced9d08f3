/**
 * The operations people perform on stacks, as the REST API calls them: each
 * validates its whole input first, then makes one desired change through the
 * store (which writes the change, its event with the actor, and the outbox row
 * in one transaction). Bad input throws a {@link ServiceError} and changes nothing.
 */
import type { Static } from "@sinclair/typebox";
import { validate, type FieldProblem } from "../api/validate.ts";
import { checkImmutable, validateParams } from "./guardrails.ts";
import { StoreError } from "./store/errors.ts";
import type { DesiredChange } from "./store/stack-store.ts";
import type { ObservedRecord, ResourceRecord, StackDrift, StackRecord } from "./store/records.ts";
import { CreateStackSchema, UpdateStackSchema } from "./stack-input.ts";
import type { Store } from "./store/store.ts";
import { SecretMask } from "./secret-mask.ts";
import type { StackListItem, StackQuery } from "./store/stack-store.ts";
import type { Page } from "./store/records.ts";

/** Why an operation refused; a closed set the HTTP layer maps to status codes. */
export const serviceErrorCodes = [
  /** The stack, template or template version does not exist (404). */
  "NotFound",
  /** The input breaks the schema or the guardrails; `problems` lists every violation (422). */
  "Invalid",
  /** It clashes with what exists, e.g. a name already taken (409). */
  "Conflict",
  /** `If-Match` is not the current generation; `current` holds it (409). */
  "StaleGeneration",
  /** The operation needs `If-Match` and none was given (428). */
  "PreconditionRequired",
  /** The stack's cluster or server could not be reached; nothing was changed (503). */
  "Unavailable",
] as const;
export type ServiceErrorCode = (typeof serviceErrorCodes)[number];

/** A refusal that changed nothing, with every field problem found (paths are JSON pointers into the request body). */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly code: ServiceErrorCode;
  readonly problems: readonly FieldProblem[];
  readonly current: number | undefined;

  constructor(
    code: ServiceErrorCode,
    message: string,
    extra: { problems?: readonly FieldProblem[]; current?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.problems = extra.problems ?? [];
    this.current = extra.current;
  }
}

/** How an update combines `params` with the current ones: replace (`PUT`) or JSON merge patch (`PATCH`). */
export type UpdateMode = "replace" | "merge";

/** A stack with what the control plane has seen of it. */
export interface StackDetail {
  readonly stack: StackRecord;
  readonly observed: ObservedRecord | undefined;
  readonly resources: ResourceRecord[];
}

/**
 * Stack operations for one store. `notify` is called with the stack id after
 * every desired change (so the reconciler picks it up at once); it is never
 * called when an operation refused.
 */
export class StackService {
  readonly #store: Store;
  readonly #notify: (stackId: string) => void;
  readonly #secrets: SecretMask;

  constructor(store: Store, notify: (stackId: string) => void = () => undefined) {
    this.#store = store;
    this.#notify = notify;
    this.#secrets = new SecretMask(store);
  }

  /** A page of stacks with their observed cache; secret parameters masked. */
  async list(q: StackQuery): Promise<Page<StackListItem>> {
    const page = await this.#store.stacks.list(q);
    return { ...page, items: await Promise.all(page.items.map((s) => this.#secrets.hide(s))) };
  }

  /**
   * Creates a stack from a template version. Order of refusals: body shape
   * (Invalid), unknown template or version (NotFound), unknown cluster and
   * params (Invalid, all problems together), name taken (Conflict).
   */
  async create(body: unknown, actor: string): Promise<StackRecord> {
    const input = check(CreateStackSchema, body);
    const template = await this.#store.catalog.getTemplate(input.template, input.version);
    if (!template) {
      throw new ServiceError(
        "NotFound",
        input.version === undefined
          ? `there is no template named ${input.template}`
          : `template ${input.template} has no version ${input.version}`,
      );
    }
    const problems: FieldProblem[] = [];
    const cluster = await this.#cluster(input.cluster, problems);
    const params = validateParams(template, input.params);
    if (!params.ok) problems.push(...prefixed("/params", params.problems));
    if (problems.length > 0 || !params.ok || cluster === undefined) throw invalid(problems);
    const drift: StackDrift = input.drift ?? { policy: "enforce", ignore: [] };
    try {
      const { stack } = await this.#store.stacks.create(
        {
          template: template.name,
          templateVersion: template.version,
          cluster,
          namespace: input.namespace,
          name: input.name,
          params: params.value,
          drift,
        },
        actor,
      );
      this.#notify(stack.id);
      return await this.#secrets.hide(stack);
    } catch (e: unknown) {
      throw fromStore(e);
    }
  }

  /**
   * The stack with its observed cache and managed objects (secret parameters
   * masked); with `history`, also the objects deleted or replaced since (old
   * UIDs, with `deletedAt`). NotFound when there is none.
   */
  async get(id: string, options: { history?: boolean } = {}): Promise<StackDetail> {
    const stack = await this.#store.stacks.get(id);
    if (!stack) throw new ServiceError("NotFound", `no stack with id ${id}`);
    const [observed, resources] = await Promise.all([
      this.#store.observed.observed(id),
      this.#store.observed.resources(id, options.history === true),
    ]);
    return { stack: await this.#secrets.hide(stack), observed, resources };
  }

  /**
   * Changes params, template version (only to another version of the same
   * template) or drift policy. Needs the caller's generation
   * (`PreconditionRequired` without it, `StaleGeneration` when it is not
   * current); params must validate and leave immutable fields as they are.
   */
  async update(
    id: string,
    body: unknown,
    expectedGeneration: number | undefined,
    actor: string,
    mode: UpdateMode = "replace",
  ): Promise<StackRecord> {
    const input = check(UpdateStackSchema, body);
    if (expectedGeneration === undefined) {
      throw new ServiceError("PreconditionRequired", "send If-Match with the generation you read");
    }
    const current = await this.#live(id);
    if (current.generation !== expectedGeneration) throw stale(current, expectedGeneration);
    const version = input.version ?? current.templateVersion;
    const template = await this.#store.catalog.getTemplate(current.template, version);
    if (!template)
      throw new ServiceError("NotFound", `template ${current.template} has no version ${version}`);
    const wanted =
      input.params === undefined
        ? current.params
        : mode === "merge"
          ? (mergePatch(current.params, input.params) as Record<string, unknown>)
          : input.params;
    const params = validateParams(template, await this.#secrets.restore(wanted, current, version));
    if (!params.ok) throw invalid(prefixed("/params", params.problems));
    const immutable = checkImmutable(template, current.params, params.value);
    if (immutable.length > 0) throw invalid(prefixed("/params", immutable));
    return this.#change(id, {
      actor,
      source: "user",
      type: "DesiredChanged",
      expectedGeneration,
      params: params.value,
      ...(version !== current.templateVersion ? { templateVersion: version } : {}),
      ...(input.drift ? { drift: input.drift } : {}),
      data:
        version !== current.templateVersion
          ? { fromVersion: current.templateVersion, toVersion: version }
          : {},
    });
  }

  /** Stops reconciling the stack (its objects stay); a no-op when it is already paused. */
  pause(id: string, actor: string, expectedGeneration?: number): Promise<StackRecord> {
    return this.#setState(id, "Paused", "StackPaused", actor, expectedGeneration);
  }

  /** Reconciles a paused stack again; a no-op when it is active. */
  resume(id: string, actor: string, expectedGeneration?: number): Promise<StackRecord> {
    return this.#setState(id, "Active", "StackResumed", actor, expectedGeneration);
  }

  /** Asks for the stack's removal from its cluster; a no-op when it was already asked. */
  delete(id: string, actor: string, expectedGeneration?: number): Promise<StackRecord> {
    return this.#setState(id, "Deleted", "StackDeleteRequested", actor, expectedGeneration);
  }

  /** Asks the reconciler to look at the stack now, without a desired change. */
  async reconcile(id: string, actor: string): Promise<void> {
    try {
      await this.#store.stacks.requestReconcile(id, actor);
    } catch (e: unknown) {
      throw fromStore(e);
    }
    this.#notify(id);
  }

  async #setState(
    id: string,
    state: StackRecord["desiredState"],
    type: "StackPaused" | "StackResumed" | "StackDeleteRequested",
    actor: string,
    expectedGeneration: number | undefined,
  ): Promise<StackRecord> {
    const current = await this.#live(id);
    if (expectedGeneration !== undefined && current.generation !== expectedGeneration) {
      throw stale(current, expectedGeneration);
    }
    if (current.desiredState === state) return this.#secrets.hide(current);
    if (current.desiredState === "Deleted") {
      throw new ServiceError("Conflict", `stack ${current.name} is being deleted`);
    }
    return this.#change(id, {
      actor,
      source: "user",
      type,
      desiredState: state,
      ...(expectedGeneration !== undefined ? { expectedGeneration } : {}),
    });
  }

  async #change(id: string, change: DesiredChange): Promise<StackRecord> {
    try {
      const { stack } = await this.#store.stacks.change(id, change);
      this.#notify(id);
      return await this.#secrets.hide(stack);
    } catch (e: unknown) {
      throw fromStore(e);
    }
  }

  async #live(id: string): Promise<StackRecord> {
    const stack = await this.#store.stacks.get(id);
    if (!stack || stack.removedAt !== null) throw new ServiceError("NotFound", `no stack with id ${id}`);
    return stack;
  }

  async #cluster(name: string | undefined, problems: FieldProblem[]): Promise<string | undefined> {
    if (name !== undefined) {
      if (await this.#store.catalog.getCluster(name)) return name;
      problems.push({ path: "/cluster", message: `there is no cluster named ${name}` });
      return undefined;
    }
    const clusters = await this.#store.catalog.listClusters();
    if (clusters.length === 1 && clusters[0]) return clusters[0].name;
    problems.push({ path: "/cluster", message: "is required when there is not exactly one cluster" });
    return undefined;
  }
}

function check<S extends typeof CreateStackSchema | typeof UpdateStackSchema>(
  schema: S,
  body: unknown,
): Static<S> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid([{ path: "", message: "must be a JSON object" }]);
  }
  const result = validate(schema, body);
  if (!result.ok) throw invalid(result.problems);
  return result.value;
}

function invalid(problems: readonly FieldProblem[]): ServiceError {
  return new ServiceError("Invalid", `${problems.length} problem(s) with the request`, { problems });
}

function stale(current: StackRecord, expected: number): ServiceError {
  return new ServiceError(
    "StaleGeneration",
    `the stack is at generation ${current.generation}, not ${expected}; read it again and retry`,
    { current: current.generation },
  );
}

function prefixed(prefix: string, problems: readonly FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({ path: `${prefix}${p.path}`, message: p.message }));
}

/** Maps the store's refusals to the service's; anything else (e.g. StoreUnavailableError) passes through. */
function fromStore(e: unknown): unknown {
  if (!(e instanceof StoreError)) return e;
  switch (e.code) {
    case "NotFound":
      return new ServiceError("NotFound", e.message, { cause: e });
    case "Conflict":
      return new ServiceError("Conflict", e.message, { cause: e });
    case "StaleGeneration":
      return new ServiceError("StaleGeneration", e.message, {
        cause: e,
        ...(e.current !== undefined ? { current: e.current } : {}),
      });
  }
}

/** RFC 7386 JSON merge patch: objects merge, `null` removes a key, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
