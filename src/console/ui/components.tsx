/** Small accessible building blocks shared by the console pages. Text always goes through JSX, which escapes it. */
import type { Child, FC, PropsWithChildren } from "hono/jsx";

export type FieldErrors = Record<string, string | undefined>;

export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

/** A POST form with the session's CSRF token; `busy` is what the submit button says while the server works. */
export const PostForm: FC<PropsWithChildren<{ action: string; csrf: string; class?: string; label?: string }>> = ({ action, csrf, class: className, label, children }) => (
  <form method="post" action={action} class={className} aria-label={label}>
    <CsrfField token={csrf} />
    {children}
  </form>
);

const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(" ") || undefined;

interface FieldProps {
  label: Child;
  name: string;
  id?: string;
  error?: string;
  hint?: Child;
}

function FieldMessages({ id, error, hint }: { id: string; error?: string; hint?: Child }) {
  return (
    <>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

interface TextFieldProps extends FieldProps {
  value?: string;
  type?: "text" | "password" | "search";
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
  extra?: Record<string, string>;
  /** a region the script fills with live feedback as the user types */
  feedbackId?: string;
}

export const TextField: FC<TextFieldProps> = ({ label, name, id = name, error, hint, value, type = "text", required, autocomplete, placeholder, extra, feedbackId }) => (
  <div class="field">
    <label for={id}>{label}</label>
    <input
      type={type}
      id={id}
      name={name}
      value={value ?? ""}
      required={required}
      autocomplete={autocomplete ?? "off"}
      spellcheck={false}
      placeholder={placeholder}
      aria-invalid={error ? "true" : undefined}
      aria-describedby={describedBy(hint ? `${id}-hint` : false, feedbackId, error ? `${id}-error` : false)}
      {...extra}
    />
    <FieldMessages id={id} error={error} hint={hint} />
    {feedbackId ? <p class="hint" id={feedbackId} aria-live="polite"></p> : null}
  </div>
);

export const TextArea: FC<FieldProps & { value?: string; required?: boolean; rows?: number }> = ({ label, name, id = name, error, hint, value, required, rows = 3 }) => (
  <div class="field">
    <label for={id}>{label}</label>
    <textarea
      id={id}
      name={name}
      rows={rows}
      required={required}
      autocomplete="off"
      spellcheck={false}
      aria-invalid={error ? "true" : undefined}
      aria-describedby={describedBy(hint ? `${id}-hint` : false, error ? `${id}-error` : false)}
    >
      {value ?? ""}
    </textarea>
    <FieldMessages id={id} error={error} hint={hint} />
  </div>
);

export interface SelectOption {
  value: string;
  label: string;
}

export const SelectField: FC<FieldProps & { value?: string; options: SelectOption[]; placeholder?: string; required?: boolean; liveError?: string }> = ({
  label,
  name,
  id = name,
  error,
  hint,
  value,
  options,
  placeholder,
  required,
  liveError,
}) => (
  <div class="field">
    <label for={id}>{label}</label>
    <select
      id={id}
      name={name}
      required={required}
      aria-invalid={error ? "true" : undefined}
      aria-describedby={describedBy(hint ? `${id}-hint` : false, liveError ? `${id}-live` : error ? `${id}-error` : false)}
    >
      {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
      {options.map((o) => (
        <option value={o.value} selected={o.value === value}>
          {o.label}
        </option>
      ))}
    </select>
    {hint ? (
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
    ) : null}
    {liveError ? (
      // Always present so the script can report list failures where a screen reader will announce them.
      <p class="error" id={`${id}-live`} data-live-error={liveError} aria-live="polite">
        {error ?? ""}
      </p>
    ) : error ? (
      <p class="error" id={`${id}-error`}>
        {error}
      </p>
    ) : null}
  </div>
);

/** A checkbox that always submits a value: the hidden "false" is overridden by the box's "true" when checked. */
export const CheckboxField: FC<{ label: Child; name: string; checked: boolean; hint?: Child; id?: string }> = ({ label, name, checked, hint, id = name }) => (
  <div class="check">
    <input type="hidden" name={name} value="false" />
    <input type="checkbox" id={id} name={name} value="true" checked={checked} aria-describedby={hint ? `${id}-hint` : undefined} />
    <label for={id}>
      {label}
      {hint ? (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </label>
  </div>
);

export type Tone = "ok" | "error" | "info";

export const Notice: FC<PropsWithChildren<{ tone: Tone }>> = ({ tone, children }) => (
  <div class={`notice ${tone}`} role={tone === "error" ? "alert" : "status"}>
    {children}
  </div>
);

export const Callout: FC<PropsWithChildren<{ kind: "tip" | "note" | "warn"; title: string }>> = ({ kind, title, children }) => (
  <aside class={`callout ${kind}`} aria-label={title}>
    <strong>{title}</strong>
    {children}
  </aside>
);

export const EmptyState: FC<PropsWithChildren> = ({ children }) => <div class="empty">{children}</div>;

export interface Crumb {
  label: string;
  href?: string;
}

export const Breadcrumbs: FC<{ items: Crumb[] }> = ({ items }) => (
  <nav class="crumbs" aria-label="Breadcrumb">
    <ol>
      {items.map((item, i) => (
        <li>
          {item.href && i < items.length - 1 ? <a href={item.href}>{item.label}</a> : <span aria-current={i === items.length - 1 ? "page" : undefined}>{item.label}</span>}
        </li>
      ))}
    </ol>
  </nav>
);

export interface TabItem {
  href: string;
  label: string;
  current: boolean;
}

export const Tabs: FC<{ items: TabItem[]; label: string; sub?: boolean }> = ({ items, label, sub }) => (
  <nav aria-label={label}>
    <ul class={sub ? "tabs subtabs" : "tabs"}>
      {items.map((item) => (
        <li>
          <a href={item.href} aria-current={item.current ? "page" : undefined}>
            {item.label}
          </a>
        </li>
      ))}
    </ul>
  </nav>
);

/** A time as UTC text, with the machine-readable value for assistive tech. */
export const Time: FC<{ iso: string | null | undefined; never?: string }> = ({ iso, never = "never" }) =>
  iso ? <time datetime={iso}>{iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC")}</time> : <span class="muted">{never}</span>;

export const SubmitButton: FC<PropsWithChildren<{ busy?: string; kind?: "secondary" | "danger"; name?: string; value?: string }>> = ({ busy, kind, name, value, children }) => (
  <button type="submit" class={kind} name={name} value={value} data-busy-label={busy}>
    {children}
  </button>
);
