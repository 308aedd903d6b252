"use client";
// The page the verification mail links to: it spends the token once and says so.
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useEffect, useRef, useState } from "react";
import { isSekishoError, type SekishoError } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { ErrorAlert } from "../../components/forms";

function Verify() {
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
    <div className="card">
      <h1>Verify your email</h1>
      {!token ? <p className="empty">This page needs the link from the mail.</p> : null}
      {token && state === "working" ? <p className="muted">Checking the link…</p> : null}
      {state === "done" ? (
        <p className="alert ok" role="status">
          Your email address is verified. <Link href="/dashboard">Go to the dashboard</Link>
        </p>
      ) : null}
      <ErrorAlert error={error} />
    </div>
  );
}

export default function VerifyEmailPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Verify />
    </Suspense>
  );
}
