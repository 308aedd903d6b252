"use client";
// The second step of a sign-in for an account with a second factor: after a right
// password (the login page sends the browser here) or a provider (Sekisho does).
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { safeReturnPath, secondFactorAnswer } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";

function CodeForm() {
  const { verifySecondFactor } = useSession();
  const router = useRouter();
  const next = safeReturnPath(useSearchParams().get("next"), "/dashboard");
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    // Six digits are the app's code; anything else is a recovery code.
    await verifySecondFactor(secondFactorAnswer(text(form, "code")));
    router.push(next);
    router.refresh();
  });
  return (
    <form className="card" onSubmit={onSubmit} noValidate>
      <h1>Two-step verification</h1>
      <p className="muted">
        Enter the 6-digit code from your authenticator app, or one of the recovery codes you saved (each works once).
      </p>
      <ErrorAlert error={error} />
      <Field name="code" label="Code" error={error} autoComplete="one-time-code" />
      <button type="submit" disabled={pending}>
        {pending ? "Checking…" : "Continue"}
      </button>
    </form>
  );
}

export default function TwoFactorPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <CodeForm />
    </Suspense>
  );
}
