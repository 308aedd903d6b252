"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { useSession } from "@sekisho/client/react";

import { EmailChange, ProfileSettings } from "../../components/account-settings";
import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";
import { LinkedAccounts } from "../../components/linked-accounts";
import { PasskeySettings } from "../../components/passkeys";
import { TwoFactorSettings } from "../../components/two-factor-settings";

export default function SettingsPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Settings />
    </Suspense>
  );
}

function Settings() {
  const params = useSearchParams();
  const { client, refetch } = useSession();
  const router = useRouter();
  const [changed, setChanged] = useState<string | null>(null);
  const change = useSubmit(async (form) => {
    setChanged(null);
    setChanged(await client.changePassword(text(form, "currentPassword"), text(form, "newPassword")));
  });
  const withdraw = useSubmit(async (form) => {
    await client.withdraw(text(form, "confirmPassword"));
    await refetch();
    router.push("/login?withdrawn=1");
    router.refresh();
  });
  return (
    <>
      <ProfileSettings />
      <EmailChange />
      <LinkedAccounts linkError={params.get("error")} />
      <TwoFactorSettings />
      <PasskeySettings />
      <form className="card" onSubmit={change.onSubmit} noValidate id="change-password">
        <h1>Change password</h1>
        <p className="muted">Signed up with a provider? Set a first password with &ldquo;Forgot your password?&rdquo; on the login page.</p>
        {changed ? (
          <p className="alert ok" role="status">
            {changed} Your other sessions were signed out.
          </p>
        ) : null}
        <ErrorAlert error={change.error} />
        <Field name="currentPassword" label="Current password" type="password" error={change.error} autoComplete="current-password" />
        <Field name="newPassword" label="New password" type="password" error={change.error} autoComplete="new-password" />
        <button type="submit" disabled={change.pending}>
          {change.pending ? "Saving…" : "Change password"}
        </button>
      </form>
      <form className="card" onSubmit={withdraw.onSubmit} noValidate id="withdraw">
        <h1>Delete my account</h1>
        <p className="muted">This signs you out everywhere. The address can sign up again later.</p>
        <ErrorAlert error={withdraw.error} />
        <Field name="confirmPassword" label="Password" type="password" error={withdraw.error} autoComplete="current-password" />
        <button type="submit" disabled={withdraw.pending}>
          {withdraw.pending ? "Deleting…" : "Delete my account"}
        </button>
      </form>
    </>
  );
}
