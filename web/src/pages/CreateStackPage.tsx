import { useEffect, useMemo, useState, type FormEvent, type ReactElement } from "react";
import { api, ApiError, type Template } from "../api.ts";
import { ParamsForm } from "../components/ParamsForm.tsx";
import { navigate } from "../live.ts";
import {
  fieldForPath,
  fieldsFromSchema,
  paramsFromValues,
  valuesFromParams,
  type FormValues,
} from "../logic/schema-form.ts";

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Errors of the stack's own fields (name, namespace, cluster) and of its params, by field name. */
interface Errors {
  readonly top: Record<string, string>;
  readonly params: Record<string, string>;
  readonly form: string;
}
const noErrors: Errors = { top: {}, params: {}, form: "" };

/** Create a stack from a template: the params form is generated from the template's schema. */
export function CreateStackPage(): ReactElement {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [loadError, setLoadError] = useState("");
  const [chosen, setChosen] = useState("");
  const [name, setName] = useState("");
  const [namespace, setNamespace] = useState("default");
  const [cluster, setCluster] = useState("");
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Errors>(noErrors);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.templates().then(
      (list) => {
        setTemplates(list);
        const wanted = new URLSearchParams(window.location.search).get("template");
        const first = list.find((t) => t.name === wanted) ?? list[0];
        if (first) setChosen(`${first.name}@${first.version}`);
      },
      (e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  const template = templates?.find((t) => `${t.name}@${t.version}` === chosen);
  const fields = useMemo(() => fieldsFromSchema(template?.paramSchema), [template]);
  useEffect(() => {
    setValues(valuesFromParams(fields, template?.defaults ?? {}));
    setErrors(noErrors);
  }, [fields, template]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!template) return;
    const top: Record<string, string> = {};
    if (!dnsLabel.test(name))
      top["name"] = "lowercase letters, digits and '-', starting and ending with a letter or digit";
    if (!dnsLabel.test(namespace)) top["namespace"] = "must be a namespace name (a DNS-1123 label)";
    const result = paramsFromValues(fields, values);
    const params: Record<string, string> = {};
    if (!result.ok) for (const p of result.errors) params[p.field] = p.message;
    if (Object.keys(top).length > 0 || !result.ok) {
      setErrors({ top, params, form: "Fix the fields marked below." });
      focusFirstError();
      return;
    }
    setBusy(true);
    try {
      const stack = await api.createStack({
        template: template.name,
        version: template.version,
        namespace,
        name,
        params: result.params,
        ...(cluster.trim() ? { cluster: cluster.trim() } : {}),
      });
      navigate(`/stacks/${stack.id}`);
    } catch (err: unknown) {
      setErrors(
        serverErrors(
          err,
          fields.map((f) => f.name),
        ),
      );
      focusFirstError();
    } finally {
      setBusy(false);
    }
  };

  const serverErrors = (err: unknown, _names: string[]): Errors => {
    if (!(err instanceof ApiError))
      return { ...noErrors, form: err instanceof Error ? err.message : String(err) };
    const top: Record<string, string> = {};
    const params: Record<string, string> = {};
    const rest: string[] = [];
    for (const p of err.errors) {
      const head = p.path.split("/")[1] ?? "";
      if (["name", "namespace", "cluster"].includes(head)) top[head] ??= p.message;
      else {
        const field = fieldForPath(fields, p.path);
        if (field) params[field] ??= p.message;
        else rest.push(p.path ? `${p.path}: ${p.message}` : p.message);
      }
    }
    const form =
      err.status === 409
        ? `A stack named ${name} already exists in ${namespace}.`
        : [err.message, ...rest].filter(Boolean).join(" — ");
    return { top, params, form };
  };

  return (
    <main id="main" tabIndex={-1}>
      <div className="page-head">
        <h1>New stack</h1>
      </div>
      {loadError ? (
        <p className="banner error" role="alert">
          Could not load templates: {loadError}
        </p>
      ) : null}
      {templates === null && !loadError ? <p className="muted">Loading templates…</p> : null}
      {templates ? (
        <form
          className="card form"
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-describedby="create-error"
        >
          <p id="create-error" className="banner error" role="alert" hidden={!errors.form}>
            {errors.form}
          </p>
          <fieldset>
            <legend>Stack</legend>
            <div className="field">
              <label htmlFor="template">Template</label>
              <select id="template" value={chosen} onChange={(e) => setChosen(e.target.value)}>
                {templates.map((t) => (
                  <option key={`${t.name}@${t.version}`} value={`${t.name}@${t.version}`}>
                    {t.name} {t.version}
                  </option>
                ))}
              </select>
              {template?.description ? <p className="help">{template.description}</p> : null}
            </div>
            <TopField
              id="name"
              label="Name"
              value={name}
              onChange={setName}
              error={errors.top["name"]}
              required
            />
            <TopField
              id="namespace"
              label="Namespace"
              value={namespace}
              onChange={setNamespace}
              error={errors.top["namespace"]}
              required
            />
            <TopField
              id="cluster"
              label="Cluster"
              value={cluster}
              onChange={setCluster}
              error={errors.top["cluster"]}
              help="Leave empty for the only cluster."
            />
          </fieldset>
          <fieldset>
            <legend>Parameters</legend>
            <ParamsForm
              idPrefix="param"
              fields={fields}
              values={values}
              errors={errors.params}
              onChange={(n, v) => setValues((cur) => ({ ...cur, [n]: v }))}
            />
          </fieldset>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !template}>
              {busy ? "Creating…" : "Create stack"}
            </button>
          </div>
        </form>
      ) : null}
    </main>
  );
}

function TopField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error: string | undefined;
  required?: boolean;
  help?: string;
}): ReactElement {
  const describedBy = [props.help ? `${props.id}-help` : "", props.error ? `${props.id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={`field${props.error ? " has-error" : ""}`} data-field={props.id}>
      <label htmlFor={props.id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <input
        id={props.id}
        name={props.id}
        type="text"
        autoComplete="off"
        spellCheck={false}
        required={props.required}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.help ? (
        <p id={`${props.id}-help`} className="help">
          {props.help}
        </p>
      ) : null}
      <p id={`${props.id}-error`} className="field-error" role={props.error ? "alert" : undefined}>
        {props.error ?? ""}
      </p>
    </div>
  );
}

/** Moves focus to the first field with an error, after React has rendered it. */
export function focusFirstError(): void {
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(
      ".has-error input, .has-error select, .has-error textarea",
    );
    el?.focus();
  });
}
