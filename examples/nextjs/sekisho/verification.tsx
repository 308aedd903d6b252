"use client";
// Asking for a new verification link. Sekisho answers the same way whether or not a
// mail goes out (an unknown or verified address, or a link already sent within the
// minute), so this never claims that one was sent; it says what to look for and
// holds the button for the minute a new link would take anyway.
import { useEffect, useState } from "react";
import { isSekishoError, type SekishoError } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { Button, ErrorAlert, Muted } from "./forms";
import { useStrings } from "./language";

/** Sekisho sends at most one verification mail a minute per address. */
const COOLDOWN_SECONDS = 60;

export function ResendVerification({ email, startCooling = false }: { email?: string; startCooling?: boolean }) {
  const t = useStrings();
  const client = useSekisho();
  const [waitUntil, setWaitUntil] = useState(() => (startCooling ? Date.now() + COOLDOWN_SECONDS * 1000 : 0));
  const [now, setNow] = useState(() => Date.now());
  const [asked, setAsked] = useState(false);
  const [error, setError] = useState<SekishoError | null>(null);
  const left = Math.max(0, Math.ceil((waitUntil - now) / 1000));
  useEffect(() => {
    if (left === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [left]);

  async function resend() {
    setError(null);
    try {
      await client.sendVerificationEmail(email);
      setAsked(true);
      setWaitUntil(Date.now() + COOLDOWN_SECONDS * 1000);
      setNow(Date.now());
    } catch (caught) {
      if (!isSekishoError(caught)) throw caught;
      setError(caught);
      if (caught.retryAfter) setWaitUntil(Date.now() + caught.retryAfter * 1000);
    }
  }

  return (
    <div>
      <ErrorAlert error={error} />
      {asked ? <Muted status>{t.verification.asked}</Muted> : null}
      <Button type="button" secondary onClick={resend} disabled={left > 0} data-testid="resend">
        {left > 0 ? t.verification.resendIn(left) : t.verification.resend}
      </Button>
    </div>
  );
}
