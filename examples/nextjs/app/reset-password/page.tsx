"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { SekishoError } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";

function ResetForm() {
  const { resetPassword } = useSession();
  const router = useRouter();
  const token = useSearchParams().get("token") ?? "";
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    try {
      // The reset signs this browser in: on to the dashboard.
      const user = await resetPassword(token, text(form, "newPassword"));
      router.push(user ? "/dashboard" : "/login?reset=1");
    } catch (caught) {
      // Two-step verification is on: its code finishes the sign-in.
      if (caught instanceof SekishoError && caught.code === "TWO_FACTOR_REQUIRED") {
        router.push("/two-factor?next=%2Fdashboard");
        return;
      }
      throw caught;
    }
  });
  if (!token) {
    return (
      <div className="card">
        <h1>Reset your password</h1>
        <p className="empty">This page needs the link from the mail. <Link href="/forgot-password">Ask for a new one.</Link></p>
      </div>
    );
  }
  return (
    <form className="card" onSubmit={onSubmit} noValidate>
      <h1>Choose a new password</h1>
      <ErrorAlert error={error} />
      {error?.code === "INVALID_TOKEN" ? (
        <p>
          <Link href="/forgot-password">Ask for a new link.</Link>
        </p>
      ) : null}
      <Field name="newPassword" label="New password (8 to 128 characters)" type="password" error={error} autoComplete="new-password" />
      <button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Set the new password"}
      </button>
    </form>
  );
}

export default function ResetPasswordPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <ResetForm />
    </Suspense>
  );
}
