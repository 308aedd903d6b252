"use client";
// Sign-in by email. Without a token: ask for a mail, then type its code. With the
// mail's link (?token=…): one button posts it. A mail scanner that opens the link
// spends nothing; only a person's click does.
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { isSekishoError, safeReturnPath } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert, Field, text, useSubmit } from "../../../components/forms";

function EmailSignIn() {
  const { client, verifyEmailSignIn } = useSession();
  const router = useRouter();
  const params = useSearchParams();
  const token = params.get("token");
  // The mail's link carries the callbackURL the sign-in was asked with; only a path
  // on this site is followed.
  const next = safeReturnPath(params.get("callbackURL") ?? params.get("next"), "/dashboard");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  async function signedIn(proof: { token: string } | { email: string; code: string }) {
    try {
      await verifyEmailSignIn(proof);
    } catch (caught) {
      if (isSekishoError(caught) && caught.code === "TWO_FACTOR_REQUIRED") {
        router.push(`/two-factor?next=${encodeURIComponent(next)}`);
        return;
      }
      throw caught;
    }
    router.push(next);
    router.refresh();
  }

  const byLink = useSubmit(async () => {
    if (token) await signedIn({ token });
  });
  const ask = useSubmit(async (form) => {
    const email = text(form, "email");
    setMessage(await client.signInWithEmail(email, { callbackURL: next }));
    setSentTo(email);
  });
  const byCode = useSubmit(async (form) => {
    await signedIn({ email: sentTo ?? "", code: text(form, "code").trim() });
  });

  if (token) {
    return (
      <form className="card" onSubmit={byLink.onSubmit} noValidate id="email-link">
        <h1>Sign in</h1>
        <p className="muted">You opened the sign-in link from your mail. It works once.</p>
        <ErrorAlert error={byLink.error} />
        <button type="submit" disabled={byLink.pending}>
          {byLink.pending ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted">
          <Link href="/sign-in/email">Ask for a new link</Link>
        </p>
      </form>
    );
  }
  return (
    <>
      <form className="card" onSubmit={ask.onSubmit} noValidate id="email-ask">
        <h1>Sign in by email</h1>
        <p className="muted">We mail you a link and a 6-digit code, both valid for 10 minutes. No password needed.</p>
        {message ? (
          <p className="alert ok" role="status">
            {message}
          </p>
        ) : null}
        <ErrorAlert error={ask.error} />
        <Field name="email" label="Email" type="email" error={ask.error} autoComplete="email" />
        <button type="submit" disabled={ask.pending}>
          {ask.pending ? "Sending…" : "Email me a link and a code"}
        </button>
      </form>
      {sentTo ? (
        <form className="card" onSubmit={byCode.onSubmit} noValidate id="email-code">
          <h1>Enter the code</h1>
          <p className="muted">The code from the mail to {sentTo}, or open the mail&apos;s link.</p>
          <ErrorAlert error={byCode.error} />
          <Field name="code" label="Code" error={byCode.error} autoComplete="one-time-code" />
          <button type="submit" disabled={byCode.pending}>
            {byCode.pending ? "Signing in…" : "Sign in with the code"}
          </button>
        </form>
      ) : null}
      <p className="muted">
        <Link href="/login">Log in with a password</Link>
      </p>
    </>
  );
}

export default function EmailSignInPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <EmailSignIn />
    </Suspense>
  );
}
