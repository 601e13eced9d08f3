import { useEffect, useMemo, useState, type FormEvent, type ReactElement } from "react";
import { api, ApiError, type StackDetail, type Template } from "../api.ts";
import { ParamsForm } from "../components/ParamsForm.tsx";
import {
  fieldForPath,
  fieldsFromSchema,
  paramsFromValues,
  valuesFromParams,
  type FormValues,
} from "../logic/schema-form.ts";
import { focusFirstError } from "./CreateStackPage.tsx";

/**
 * The stack's desired params, editable within the template's guardrails.
 * Saving sends `If-Match` with the generation the form was loaded from, so an
 * edit made on a stale view is refused (409) and says so instead of
 * overwriting someone else's change.
 */
export function ParamsEditor(props: {
  detail: StackDetail;
  writable: boolean;
  onSaved: () => void;
}): ReactElement {
  const { stack } = props.detail;
  const [template, setTemplate] = useState<Template | null>(null);
  const [values, setValues] = useState<FormValues>({});
  const [base, setBase] = useState<number>(stack.generation);
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ tone: "error" | "ok"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.templates().then(
      (list) =>
        setTemplate(
          list.find((t) => t.name === stack.template && t.version === stack.templateVersion) ??
            list.find((t) => t.name === stack.template) ??
            null,
        ),
      () => setTemplate(null),
    );
  }, [stack.template, stack.templateVersion]);
  const fields = useMemo(() => fieldsFromSchema(template?.paramSchema), [template]);
  const locked = useMemo(
    () => new Set((template?.guardrails.immutable ?? []).map((p) => fieldForPath(fields, p)).filter(Boolean)),
    [template, fields],
  );
  // Follow the stack while the form is untouched; keep the owner's edits (and their base) once it is not.
  useEffect(() => {
    if (dirty) return;
    setValues(valuesFromParams(fields, stack.params));
    setBase(stack.generation);
  }, [fields, stack.params, stack.generation, dirty]);

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setMessage(null);
    const result = paramsFromValues(fields, values);
    if (!result.ok) {
      setErrors(Object.fromEntries(result.errors.map((p) => [p.field, p.message])));
      focusFirstError();
      return;
    }
    setBusy(true);
    try {
      await api.updateParams(stack.id, base, result.params);
      setErrors({});
      setDirty(false);
      setMessage({ tone: "ok", text: "Saved. Stackwarden is rolling the change out." });
      props.onSaved();
    } catch (err: unknown) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 412)) {
        setMessage({
          tone: "error",
          text: `Not saved: this stack was changed since you opened it (you edited generation ${base}, it is now at ${err.currentGeneration ?? "a newer one"}). Load the latest params and make your change again.`,
        });
      } else if (err instanceof ApiError && err.errors.length > 0) {
        const byField: Record<string, string> = {};
        const rest: string[] = [];
        for (const p of err.errors) {
          const f = fieldForPath(fields, p.path);
          if (f) byField[f] ??= p.message;
          else rest.push(p.path ? `${p.path}: ${p.message}` : p.message);
        }
        setErrors(byField);
        setMessage({ tone: "error", text: ["Not saved: fix the fields marked below.", ...rest].join(" ") });
        focusFirstError();
      } else {
        setMessage({ tone: "error", text: `Not saved: ${err instanceof Error ? err.message : String(err)}` });
      }
    } finally {
      setBusy(false);
    }
  };

  const reset = (): void => {
    setDirty(false);
    setErrors({});
    setMessage(null);
    setValues(valuesFromParams(fields, stack.params));
    setBase(stack.generation);
  };

  if (!template) return <pre className="params-json">{JSON.stringify(stack.params, null, 2)}</pre>;
  return (
    <form className="card form params-editor" onSubmit={(e) => void save(e)} noValidate>
      <ParamsForm
        idPrefix="edit"
        fields={fields}
        values={values}
        errors={errors}
        locked={locked}
        disabled={!props.writable || busy}
        onChange={(n, v) => {
          setDirty(true);
          setValues((cur) => ({ ...cur, [n]: v }));
        }}
      />
      <p
        className={`banner ${message?.tone === "ok" ? "ok" : "error"}`}
        role={message?.tone === "error" ? "alert" : "status"}
        hidden={!message}
        data-testid="params-message"
      >
        {message?.text}
      </p>
      {props.writable ? (
        <div className="actions">
          <button type="button" onClick={reset} disabled={busy}>
            {dirty ? "Discard changes" : "Load latest"}
          </button>
          <button type="submit" className="primary" disabled={busy || !dirty}>
            {busy ? "Saving…" : "Save params"}
          </button>
          <span className="help">Editing generation {base}.</span>
        </div>
      ) : null}
    </form>
  );
}
