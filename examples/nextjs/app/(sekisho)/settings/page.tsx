"use client";
// Everything a signed-in person changes about their account, one section each.
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { useSession } from "@sekisho/client/react";

import { Card, Heading, Muted } from "../../../sekisho/forms";
import { useStrings } from "../../../sekisho/language";
import { EmailChange, PasswordChange, ProfileSettings, SignedInAs, Withdrawal } from "../../../sekisho/account-settings";
import { LinkedAccounts } from "../../../sekisho/linked-accounts";
import { PasskeySettings } from "../../../sekisho/passkeys";
import { routes } from "../../../sekisho/routes";
import { SessionList } from "../../../sekisho/sessions";
import { TwoFactorSettings } from "../../../sekisho/two-factor-settings";

function Settings() {
  const t = useStrings();
  const { status } = useSession();
  // A provider link that failed comes back with ?error=<CODE>.
  const linkError = useSearchParams().get("error");
  if (status === "loading") return <Muted>{t.forms.loading}</Muted>;
  // The guard sends visitors without a cookie to the login page; this is a session
  // that was revoked or ran out while its cookie stayed, or a sign-out on this page.
  if (status !== "authenticated") {
    return (
      <Card>
        <Heading>{t.settings.title}</Heading>
        <Muted>
          {t.settings.signedOut}{" "}
          <Link href={`${routes.login}?next=${encodeURIComponent(routes.settings)}`}>{t.login.submit}</Link>
        </Muted>
      </Card>
    );
  }
  return (
    <>
      <SignedInAs />
      <ProfileSettings />
      <EmailChange />
      <PasswordChange />
      <TwoFactorSettings />
      <PasskeySettings />
      <LinkedAccounts linkError={linkError} />
      <SessionList />
      <Withdrawal />
    </>
  );
}

export default function SettingsPage() {
  return (
    <Suspense>
      <Settings />
    </Suspense>
  );
}
