"use client";
import { useState } from "react";
import { useSekisho } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";

export default function ForgotPasswordPage() {
  const client = useSekisho();
  const [sent, setSent] = useState<string | null>(null);
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    setSent(await client.forgotPassword(text(form, "email")));
  });
  return (
    <form className="card" onSubmit={onSubmit} noValidate>
      <h1>Forgot your password?</h1>
      {sent ? (
        <p className="alert ok" role="status">
          {sent}
        </p>
      ) : (
        <p className="muted">We will send a link to reset it, if the address has an account.</p>
      )}
      <ErrorAlert error={error} />
      <Field name="email" label="Email" type="email" error={error} autoComplete="email" />
      <button type="submit" disabled={pending}>
        {pending ? "Sending…" : "Send the link"}
      </button>
    </form>
  );
}
