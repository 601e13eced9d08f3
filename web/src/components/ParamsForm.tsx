import type { ReactElement } from "react";
import type { Field, FormValues } from "../logic/schema-form.ts";

/**
 * The inputs for a template's params, generated from its schema: a select
 * for an enum, a checkbox for a boolean (an explicit acceptance for one that
 * must be true, like the Minecraft EULA), a number input with the schema's
 * range, text with its length and pattern. Each field shows its error (from
 * the form's own checks or the server's 422) under it, tied with
 * aria-describedby so screen readers announce it.
 */
export function ParamsForm(props: {
  idPrefix: string;
  fields: readonly Field[];
  values: FormValues;
  errors: Readonly<Record<string, string>>;
  /** Names of fields that may not change (immutable after creation). */
  locked?: ReadonlySet<string>;
  disabled?: boolean;
  onChange: (name: string, value: string | boolean) => void;
}): ReactElement {
  return (
    <div className="param-fields">
      {props.fields.map((f) => {
        const id = `${props.idPrefix}-${f.name}`;
        const error = props.errors[f.name];
        const locked = props.locked?.has(f.name) ?? false;
        const disabled = (props.disabled ?? false) || locked;
        const lockNote = locked && !/at creation/i.test(f.description) ? "Fixed at creation." : "";
        const help = [f.description, lockNote, hint(f)].filter(Boolean).join(" ");
        const describedBy = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
        const common = {
          id,
          name: f.name,
          disabled,
          "aria-invalid": error ? true : undefined,
          "aria-describedby": describedBy || undefined,
        };
        const value = props.values[f.name];
        const text = typeof value === "string" ? value : "";
        let input: ReactElement;
        if (f.kind === "accept" || f.kind === "boolean") {
          input = (
            <input
              {...common}
              type="checkbox"
              required={f.kind === "accept" && f.required}
              checked={value === true}
              onChange={(e) => props.onChange(f.name, e.target.checked)}
            />
          );
        } else if (f.kind === "enum") {
          input = (
            <select
              {...common}
              required={f.required}
              value={text}
              onChange={(e) => props.onChange(f.name, e.target.value)}
            >
              {f.required && text === "" ? <option value="">Choose…</option> : null}
              {!f.required ? <option value="">(default)</option> : null}
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          );
        } else if (f.kind === "list" || f.kind === "json") {
          input = (
            <textarea
              {...common}
              rows={f.kind === "json" ? 4 : 3}
              required={f.required}
              value={text}
              spellCheck={false}
              onChange={(e) => props.onChange(f.name, e.target.value)}
            />
          );
        } else {
          const numeric = f.kind === "integer" || f.kind === "number";
          input = (
            <input
              {...common}
              type={numeric ? "number" : "text"}
              inputMode={numeric ? (f.kind === "integer" ? "numeric" : "decimal") : undefined}
              step={f.kind === "integer" ? 1 : numeric ? "any" : undefined}
              min={f.min}
              max={f.max}
              maxLength={f.maxLength}
              required={f.required}
              value={text}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => props.onChange(f.name, e.target.value)}
            />
          );
        }
        const checkbox = f.kind === "accept" || f.kind === "boolean";
        return (
          <div
            key={f.name}
            className={`field${checkbox ? " field-check" : ""}${error ? " has-error" : ""}`}
            data-field={f.name}
          >
            {checkbox ? (
              <label htmlFor={id} className={f.kind === "accept" ? "accept" : undefined}>
                {input}
                <span>
                  {f.kind === "accept" ? acceptLabel(f) : f.label}
                  {f.required ? <span aria-hidden="true"> *</span> : null}
                </span>
              </label>
            ) : (
              <>
                <label htmlFor={id}>
                  {f.label}
                  {f.required ? <span aria-hidden="true"> *</span> : null}
                </label>
                {input}
              </>
            )}
            {help ? (
              <p id={`${id}-help`} className="help">
                {help}
              </p>
            ) : null}
            <p id={`${id}-error`} className="field-error" role={error ? "alert" : undefined}>
              {error ?? ""}
            </p>
          </div>
        );
      })}
    </div>
  );
}

function acceptLabel(f: Field): string {
  if (f.name.toLowerCase() === "eula") return "I accept the Minecraft EULA (End User License Agreement)";
  return `I accept: ${f.label}`;
}

function hint(f: Field): string {
  if (f.kind === "list") return "One per line.";
  if (f.kind === "json") return "JSON.";
  if (f.min !== undefined && f.max !== undefined) return `From ${f.min} to ${f.max}.`;
  if (f.min !== undefined) return `At least ${f.min}.`;
  if (f.max !== undefined) return `At most ${f.max}.`;
  return "";
}
