"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { isSekishoError, safeReturnPath } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, Notice, text, useSubmit } from "@kit/forms";
import { useStrings } from "@kit/language";
import { PasskeySignIn } from "@kit/passkey-sign-in";
import { routes } from "@kit/routes";
import { SocialButtons, SocialError } from "@kit/social";
import { ResendVerification } from "@kit/verification";

function LoginForm() {
  const t = useStrings();
  const { signIn, signedOutBecause } = useSession();
  const router = useRouter();
  const params = useSearchParams();
  // Only a path on this site: ?next=https://evil.example goes to the default page.
  const next = safeReturnPath(params.get("next"), routes.afterSignIn);
  const [email, setEmail] = useState("");
  const { pending, error, onSubmit } = useSubmit(async (form) => {
    setEmail(text(form, "email"));
    try {
      await signIn({
        email: text(form, "email"),
        password: text(form, "password"),
        rememberMe: form.get("rememberMe") === "on",
      });
    } catch (caught) {
      // The password was right; the account asks for its second factor.
      if (isSekishoError(caught) && caught.code === "TWO_FACTOR_REQUIRED") {
        router.push(`${routes.twoFactor}?next=${encodeURIComponent(next)}`);
        return;
      }
      throw caught;
    }
    router.push(next);
    router.refresh();
  });
  const signedIn = () => {
    router.push(next);
    router.refresh();
  };
  return (
    <Card onSubmit={onSubmit}>
      <Heading>{t.login.title}</Heading>
      {signedOutBecause === "TOKEN_REUSED" ? <Notice kind="error">{t.login.reused}</Notice> : null}
      {params.get("reset") === "1" ? <Notice kind="ok">{t.login.passwordChanged}</Notice> : null}
      {params.get("withdrawn") === "1" ? <Notice kind="ok">{t.login.withdrawn}</Notice> : null}
      <SocialError code={params.get("error")} />
      <PasskeySignIn onSignedIn={signedIn} />
      <SocialButtons next={next} loginPath={routes.login} />
      <ErrorAlert error={error} />
      {error?.code === "EMAIL_NOT_VERIFIED" ? <ResendVerification email={email} startCooling /> : null}
      {/* `webauthn`: the browser may offer passkeys in this field's autofill. */}
      <Field name="email" label={t.fields.email} type="email" error={error} autoComplete="username webauthn" />
      <Field name="password" label={t.fields.password} type="password" error={error} autoComplete="current-password" />
      <label style={{ display: "flex", gap: "0.5rem", alignItems: "center", marginTop: "0.75rem", fontWeight: 400 }}>
        <input type="checkbox" name="rememberMe" defaultChecked /> {t.login.remember}
      </label>
      <Button disabled={pending}>{pending ? t.login.pending : t.login.submit}</Button>
      <Muted>
        <Link href={routes.forgotPassword}>{t.login.forgot}</Link> ·{" "}
        <Link href={`${routes.signInEmail}?next=${encodeURIComponent(next)}`}>{t.login.byEmail}</Link> ·{" "}
        <Link href={routes.signup}>{t.login.createAccount}</Link>
      </Muted>
    </Card>
  );
}

export default function LoginPage() {
  return (
    <Suspense>
      <LoginForm />
    </Suspense>
  );
}
