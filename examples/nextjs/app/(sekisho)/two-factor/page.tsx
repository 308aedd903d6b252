"use client";
// The second step of a sign-in for an account with a second factor: after a right
// password (the login page sends the browser here) or a provider (Sekisho does).
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { safeReturnPath, secondFactorAnswer } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, text, useSubmit } from "../../../sekisho/forms";
import { useStrings } from "../../../sekisho/language";
import { routes } from "../../../sekisho/routes";

function CodeForm() {
  const t = useStrings();
  const { verifySecondFactor } = useSession();
  const router = useRouter();
  const next = safeReturnPath(useSearchParams().get("next"), routes.afterSignIn);
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    // Six digits are the app's code; anything else is a recovery code.
    await verifySecondFactor(secondFactorAnswer(text(form, "code")));
    router.push(next);
    router.refresh();
  });
  return (
    <Card onSubmit={onSubmit}>
      <Heading>{t.twoFactor.title}</Heading>
      <Muted>{t.twoFactor.enter}</Muted>
      <ErrorAlert error={error} />
      <Field name="code" label={t.twoFactor.code} error={error} autoComplete="one-time-code" />
      <Button disabled={pending}>{pending ? t.twoFactor.checking : t.twoFactor.continue}</Button>
    </Card>
  );
}

export default function TwoFactorPage() {
  return (
    <Suspense>
      <CodeForm />
    </Suspense>
  );
}
