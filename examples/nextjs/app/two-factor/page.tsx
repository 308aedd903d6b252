"use client";
// The second step of a sign-in for an account with a second factor: after a right
// password (the login page sends the browser here) or a provider (Sekisho does).
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { safeReturnPath } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";

function CodeForm() {
  const { verifySecondFactor } = useSession();
  const router = useRouter();
  const next = safeReturnPath(useSearchParams().get("next"), "/dashboard");
  const [recovery, setRecovery] = useState(false);
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    const answer = text(form, "code");
    await verifySecondFactor(recovery ? { recoveryCode: answer } : { code: answer });
    router.push(next);
    router.refresh();
  });
  return (
    <form className="card" onSubmit={onSubmit} noValidate>
      <h1>Two-step verification</h1>
      <p className="muted">
        {recovery
          ? "Enter one of the recovery codes you saved. Each works once."
          : "Enter the 6-digit code from your authenticator app."}
      </p>
      <ErrorAlert error={error} />
      <Field
        key={recovery ? "recovery" : "totp"}
        name="code"
        label={recovery ? "Recovery code" : "Code"}
        error={error}
        autoComplete="one-time-code"
      />
      <button type="submit" disabled={pending}>
        {pending ? "Checking…" : "Continue"}
      </button>
      <button type="button" className="secondary" onClick={() => setRecovery(!recovery)}>
        {recovery ? "Use a code from the app" : "Use a recovery code"}
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
