"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, text, useSubmit } from "../../../sekisho/forms";
import { useStrings } from "../../../sekisho/language";
import { routes } from "../../../sekisho/routes";
import { ResendVerification } from "../../../sekisho/verification";

export default function SignupPage() {
  const t = useStrings();
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
    router.push(routes.afterSignIn);
    router.refresh();
  });
  if (pendingAddress) {
    return (
      <Card testId="check-inbox">
        <Heading>{t.signup.checkInbox}</Heading>
        <p>{t.signup.sentTo(pendingAddress)}</p>
        <ResendVerification email={pendingAddress} startCooling />
      </Card>
    );
  }
  return (
    <Card onSubmit={onSubmit}>
      <Heading>{t.signup.title}</Heading>
      <ErrorAlert error={error} />
      <Field name="name" label={t.signup.name} error={error} autoComplete="name" />
      <Field name="email" label={t.fields.email} type="email" error={error} autoComplete="email" />
      <Field name="password" label={t.signup.password} type="password" error={error} autoComplete="new-password" />
      <Button disabled={pending}>{pending ? t.signup.pending : t.signup.submit}</Button>
      <Muted>
        {t.signup.haveAccount} <Link href={routes.login}>{t.login.submit}</Link>
      </Muted>
    </Card>
  );
}
