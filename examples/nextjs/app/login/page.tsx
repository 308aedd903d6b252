"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { isSekishoError, safeReturnPath } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../components/forms";
import { PasskeySignIn } from "../../components/passkey-sign-in";
import { SocialButtons, SocialError } from "../../components/social";
import { ResendVerification } from "../../components/verification";

function LoginForm() {
  const { signIn, signedOutBecause } = useSession();
  const router = useRouter();
  const params = useSearchParams();
  // Only a path on this site: ?next=https://evil.example goes to the dashboard.
  const next = safeReturnPath(params.get("next"), "/dashboard");
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
        router.push(`/two-factor?next=${encodeURIComponent(next)}`);
        return;
      }
      throw caught;
    }
    router.push(next);
    router.refresh();
  });
  return (
    <form className="card" onSubmit={onSubmit} noValidate>
      <h1>Log in</h1>
      {signedOutBecause === "TOKEN_REUSED" ? (
        <p className="alert error">You were signed out because your session was used from somewhere else.</p>
      ) : null}
      {params.get("reset") === "1" ? <p className="alert ok">Your password was changed. Log in with the new one.</p> : null}
      {params.get("withdrawn") === "1" ? <p className="alert ok">Your account was deleted.</p> : null}
      <SocialError code={params.get("error")} />
      <PasskeySignIn
        onSignedIn={() => {
          router.push(next);
          router.refresh();
        }}
      />
      <SocialButtons next={next} />
      <ErrorAlert error={error} />
      {error?.code === "EMAIL_NOT_VERIFIED" ? <ResendVerification email={email} startCooling /> : null}
      {/* `webauthn`: the browser may offer passkeys in this field's autofill. */}
      <Field name="email" label="Email" type="email" error={error} autoComplete="username webauthn" />
      <Field name="password" label="Password" type="password" error={error} autoComplete="current-password" />
      <label className="row" style={{ fontWeight: 400 }}>
        <input type="checkbox" name="rememberMe" defaultChecked /> Keep me signed in for 7 days
      </label>
      <button type="submit" disabled={pending}>
        {pending ? "Logging in…" : "Log in"}
      </button>
      <p className="muted">
        <Link href="/forgot-password">Forgot your password?</Link> ·{" "}
        <Link href={`/sign-in/email?next=${encodeURIComponent(next)}`}>Sign in with an email link or code</Link> ·{" "}
        <Link href="/signup">Create an account</Link>
      </p>
    </form>
  );
}

export default function LoginPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <LoginForm />
    </Suspense>
  );
}
