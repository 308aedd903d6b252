"use client";
// The page the verification mail links to: it spends the token once and says so.
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useEffect, useRef, useState } from "react";
import { isSekishoError, type SekishoError } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Card, ErrorAlert, Heading, Muted, Notice } from "../../../sekisho/forms";
import { useStrings } from "../../../sekisho/language";
import { routes } from "../../../sekisho/routes";

function Verify() {
  const t = useStrings();
  const { client } = useSession();
  const token = useSearchParams().get("token") ?? "";
  const [state, setState] = useState<"working" | "done" | "failed">("working");
  const [error, setError] = useState<SekishoError | null>(null);
  // React runs effects twice in development; a token is spent once.
  const sent = useRef(false);
  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    client
      .verifyEmail(token)
      .then(() => setState("done"))
      .catch((caught: unknown) => {
        if (!isSekishoError(caught)) throw caught;
        setError(caught);
        setState("failed");
      });
  }, [client, token]);
  return (
    <Card>
      <Heading>{t.verify.title}</Heading>
      {!token ? <Muted>{t.verify.needsLink}</Muted> : null}
      {token && state === "working" ? <Muted>{t.verify.checking}</Muted> : null}
      {state === "done" ? (
        <Notice kind="ok">
          {t.verify.done} <Link href={routes.afterSignIn}>{t.verify.onward}</Link>
        </Notice>
      ) : null}
      <ErrorAlert error={error} />
    </Card>
  );
}

export default function VerifyEmailPage() {
  return (
    <Suspense>
      <Verify />
    </Suspense>
  );
}
