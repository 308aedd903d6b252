"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";

export default function SignupPage() {
  const { signUp } = useSession();
  const router = useRouter();
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    const name = text(form, "name");
    await signUp({ email: text(form, "email"), password: text(form, "password"), ...(name ? { name } : {}) });
    router.push("/dashboard");
    router.refresh();
  });
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
