"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";
import { ResendVerification } from "../../components/verification";

export default function SignupPage() {
  const { signUp } = useSession();
  const router = useRouter();
  // Set when REQUIRE_EMAIL_VERIFICATION holds the session back: the address to verify.
  const [pendingAddress, setPendingAddress] = useState<string | null>(null);
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    const name = text(form, "name");
    const { user, verificationRequired } = await signUp({
      email: text(form, "email"),
      password: text(form, "password"),
      ...(name ? { name } : {}),
    });
    if (verificationRequired) {
      setPendingAddress(user.email);
      return;
    }
    router.push("/dashboard");
    router.refresh();
  });
  if (pendingAddress) {
    return (
      <div className="card" data-testid="check-inbox">
        <h1>Check your inbox</h1>
        <p>
          We sent a link to <strong>{pendingAddress}</strong>. Open it in this browser to finish signing up: it signs
          you in. The link works for 24 hours.
        </p>
        <ResendVerification email={pendingAddress} startCooling />
      </div>
    );
  }
  return (
    <form className="card" onSubmit={onSubmit} noValidate>
      <h1>Create an account</h1>
      <ErrorAlert error={error} />
      <Field name="name" label="Name (optional)" error={error} autoComplete="name" />
      <Field name="email" label="Email" type="email" error={error} autoComplete="email" />
      <Field name="password" label="Password (8 to 128 characters)" type="password" error={error} autoComplete="new-password" />
      <button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Sign up"}
      </button>
      <p className="muted">
        Already have an account? <Link href="/login">Log in</Link>
      </p>
    </form>
  );
}
