"use client";
// What every form shares: a pending flag, the envelope's message, and each field's
// error next to its field.
import { type FormEvent, type ReactNode, useState } from "react";
import { describeError, isSekishoError, type SekishoError } from "@sekisho/client";

import { useLanguage, useStrings } from "./language";
import "./sekisho.css";

export function useSubmit(action: (form: FormData) => Promise<void>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<SekishoError | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await action(new FormData(event.currentTarget));
    } catch (caught) {
      if (!isSekishoError(caught)) throw caught;
      setError(caught);
    } finally {
      setPending(false);
    }
  }
  return { pending, error, onSubmit };
}

/** The failed call's message in the visitor's language, with the fields it names. */
export function ErrorAlert({ error }: { error: SekishoError | null }) {
  const language = useLanguage();
  const t = useStrings();
  if (!error) return null;
  return (
    <p className="sekisho-alert sekisho-error" role="alert" data-code={error.code}>
      {describeError(error, language).message}
      {error.retryAfter ? ` ${t.forms.tryAgainIn(error.retryAfter)}` : ""}
    </p>
  );
}

export function Notice({
  kind,
  children,
  testId,
  code,
}: {
  kind: "ok" | "error";
  children: ReactNode;
  testId?: string;
  /** The error code, for tests and styling. */
  code?: string;
}) {
  return (
    <p className={`sekisho-alert sekisho-${kind}`} role={kind === "ok" ? "status" : "alert"} data-testid={testId} data-code={code}>
      {children}
    </p>
  );
}

export function Field({
  name,
  id = name,
  label,
  type = "text",
  error,
  autoComplete,
  defaultValue,
}: {
  name: string;
  /** The element's id, when two forms on a page have a field of the same name. */
  id?: string;
  label: string;
  type?: string;
  error: SekishoError | null;
  autoComplete?: string;
  defaultValue?: string;
}) {
  const problem = error?.fields[name];
  return (
    <div className="sekisho-field">
      <label htmlFor={id} className="sekisho-label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        className="sekisho-input"
        autoComplete={autoComplete}
        defaultValue={defaultValue}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-error` : undefined}
      />
      {problem ? (
        <p className="sekisho-field-error" id={`${id}-error`}>
          {problem}
        </p>
      ) : null}
    </div>
  );
}

export function Button({
  children,
  secondary = false,
  type = "submit",
  ...rest
}: {
  children: ReactNode;
  secondary?: boolean;
  type?: "submit" | "button";
  disabled?: boolean;
  onClick?: () => void;
  "data-testid"?: string;
}) {
  return (
    <button type={type} className={secondary ? "sekisho-button sekisho-secondary" : "sekisho-button"} {...rest}>
      {children}
    </button>
  );
}

/** A white box around one form or section. */
export function Card({
  children,
  id,
  onSubmit,
  testId,
}: {
  children: ReactNode;
  id?: string;
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  testId?: string;
}) {
  if (onSubmit) {
    return (
      <form className="sekisho-card" id={id} onSubmit={onSubmit} noValidate data-testid={testId}>
        {children}
      </form>
    );
  }
  return (
    <section className="sekisho-card" id={id} data-testid={testId}>
      {children}
    </section>
  );
}

export function Muted({ children, testId, status = false }: { children: ReactNode; testId?: string; status?: boolean }) {
  return (
    <p className="sekisho-muted" data-testid={testId} role={status ? "status" : undefined}>
      {children}
    </p>
  );
}

export function Heading({ children }: { children: ReactNode }) {
  return <h1 className="sekisho-heading">{children}</h1>;
}

export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}
