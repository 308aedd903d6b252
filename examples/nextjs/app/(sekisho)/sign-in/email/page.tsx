"use client";
// Sign-in by email. Without a token: ask for a mail, then type its code. With the
// mail's link (?token=…): one button posts it. A mail scanner that opens the link
// spends nothing; only a person's click does.
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { isSekishoError, safeReturnPath } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, Card, ErrorAlert, Field, Heading, Muted, Notice, text, useSubmit } from "../../../../sekisho/forms";
import { useStrings } from "../../../../sekisho/language";
import { routes } from "../../../../sekisho/routes";

function EmailSignIn() {
  const t = useStrings();
  const { client, verifyEmailSignIn } = useSession();
  const router = useRouter();
  const params = useSearchParams();
  const token = params.get("token");
  // The mail's link carries the callbackURL the sign-in was asked with; only a path
  // on this site is followed.
  const next = safeReturnPath(params.get("callbackURL") ?? params.get("next"), routes.afterSignIn);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  async function signedIn(proof: { token: string } | { email: string; code: string }) {
    try {
      await verifyEmailSignIn(proof);
    } catch (caught) {
      if (isSekishoError(caught) && caught.code === "TWO_FACTOR_REQUIRED") {
        router.push(`${routes.twoFactor}?next=${encodeURIComponent(next)}`);
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
      <Card onSubmit={byLink.onSubmit} id="email-link">
        <Heading>{t.emailSignIn.linkTitle}</Heading>
        <Muted>{t.emailSignIn.linkOpened}</Muted>
        <ErrorAlert error={byLink.error} />
        <Button disabled={byLink.pending}>{byLink.pending ? t.emailSignIn.signingIn : t.emailSignIn.linkTitle}</Button>
        <Muted>
          <Link href={routes.signInEmail}>{t.emailSignIn.askAgain}</Link>
        </Muted>
      </Card>
    );
  }
  return (
    <>
      <Card onSubmit={ask.onSubmit} id="email-ask">
        <Heading>{t.emailSignIn.title}</Heading>
        <Muted>{t.emailSignIn.explain}</Muted>
        {message ? <Notice kind="ok">{message}</Notice> : null}
        <ErrorAlert error={ask.error} />
        <Field name="email" label={t.fields.email} type="email" error={ask.error} autoComplete="email" />
        <Button disabled={ask.pending}>{ask.pending ? t.forms.sending : t.emailSignIn.ask}</Button>
      </Card>
      {sentTo ? (
        <Card onSubmit={byCode.onSubmit} id="email-code">
          <Heading>{t.emailSignIn.codeTitle}</Heading>
          <Muted>{t.emailSignIn.codeFrom(sentTo)}</Muted>
          <ErrorAlert error={byCode.error} />
          <Field name="code" label={t.twoFactor.code} error={byCode.error} autoComplete="one-time-code" />
          <Button disabled={byCode.pending}>{byCode.pending ? t.emailSignIn.signingIn : t.emailSignIn.withCode}</Button>
        </Card>
      ) : null}
      <Muted>
        <Link href={routes.login}>{t.emailSignIn.withPassword}</Link>
      </Muted>
    </>
  );
}

export default function EmailSignInPage() {
  return (
    <Suspense>
      <EmailSignIn />
    </Suspense>
  );
}
