"use client";
// The reset mail's page, which an operator's invitation also links to: choose a
// password, which also signs this browser in.
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { isSekishoError } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, text, useSubmit } from "../../../sekisho/forms";
import { useStrings } from "../../../sekisho/language";
import { routes } from "../../../sekisho/routes";

function ResetForm() {
  const t = useStrings();
  const { resetPassword } = useSession();
  const router = useRouter();
  const params = useSearchParams();
  const token = params.get("token") ?? "";
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    try {
      const user = await resetPassword(token, text(form, "newPassword"));
      router.push(user ? routes.afterSignIn : `${routes.login}?reset=1`);
      router.refresh();
    } catch (caught) {
      // Two-step verification is on: its code finishes the sign-in.
      if (isSekishoError(caught) && caught.code === "TWO_FACTOR_REQUIRED") {
        router.push(`${routes.twoFactor}?next=${encodeURIComponent(routes.afterSignIn)}`);
        return;
      }
      throw caught;
    }
  });
  if (!token) {
    return (
      <Card>
        <Heading>{t.reset.title}</Heading>
        <Muted>
          {t.reset.needsLink} <Link href={routes.forgotPassword}>{t.reset.askAgain}</Link>
        </Muted>
      </Card>
    );
  }
  return (
    <Card onSubmit={onSubmit}>
      <Heading>{t.reset.choose}</Heading>
      <ErrorAlert error={error} />
      {error?.code === "INVALID_TOKEN" ? (
        <Muted>
          <Link href={routes.forgotPassword}>{t.reset.askAgain}</Link>
        </Muted>
      ) : null}
      <Field name="newPassword" label={t.reset.newPassword} type="password" error={error} autoComplete="new-password" />
      <Button disabled={pending}>{pending ? t.forms.saving : t.reset.submit}</Button>
    </Card>
  );
}

export default function ResetPasswordPage() {
  return (
    <Suspense>
      <ResetForm />
    </Suspense>
  );
}
