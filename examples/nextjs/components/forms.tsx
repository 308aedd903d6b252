"use client";
// What every form shares: a pending flag, the envelope's message, and each field's
// error next to its field.
import { type FormEvent, useState } from "react";
import { isSekishoError, type SekishoError } from "@sekisho/client";

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

export function ErrorAlert({ error }: { error: SekishoError | null }) {
  if (!error) return null;
  const retry = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
  return (
    <p className="alert error" role="alert" data-code={error.code}>
      {error.message}
      {retry}
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
    <div>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        defaultValue={defaultValue}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-error` : undefined}
      />
      {problem ? (
        <p className="field-error" id={`${id}-error`}>
          {problem}
        </p>
      ) : null}
    </div>
  );
}

export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}
