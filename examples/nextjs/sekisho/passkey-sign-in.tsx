"use client";
// "Sign in with a passkey" on the login page, and the same passkeys offered in the
// email field's autofill where the browser can (conditional mediation). The autofill
// request waits in the background; the button stops it before asking with a dialog.
import { useEffect, useRef, useState } from "react";
import { isSekishoError, SekishoError, type User } from "@sekisho/client";
import { useSession } from "@sekisho/client/react";

import { Button, ErrorAlert } from "./forms";
import { useStrings } from "./language";

/** Failures of the silent autofill offer that nobody asked to see. */
const QUIET: string[] = [
  "PASSKEY_CANCELLED",
  "PASSKEY_UNSUPPORTED",
  "NETWORK_ERROR",
  "TIMEOUT",
  "BAD_RESPONSE",
  "SERVICE_UNAVAILABLE",
  "RATE_LIMITED",
  "INTERNAL_ERROR",
];

export function PasskeySignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const t = useStrings();
  const { client, signInWithPasskey } = useSession();
  const [supported, setSupported] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<SekishoError | null>(null);
  const autofill = useRef<AbortController | null>(null);
  const done = useRef(onSignedIn);
  done.current = onSignedIn;
  // The session's functions change with its status: the autofill offer is made once
  // per visit, not again at every change (each offer is a ceremony at Sekisho).
  const signIn = useRef(signInWithPasskey);
  signIn.current = signInWithPasskey;
  // Sekisho's INVALID_CREDENTIALS speaks of passwords; for a passkey it means Sekisho
  // no longer knows this one (removed in Settings, or by an operator).
  const notRegistered = useRef(t.passkeys.notRegistered);
  notRegistered.current = t.passkeys.notRegistered;
  const inWords = (caught: SekishoError) =>
    caught.code === "INVALID_CREDENTIALS" ? new SekishoError(caught.status, caught.code, notRegistered.current) : caught;

  useEffect(() => {
    setSupported(client.passkey.isSupported());
    let stopped = false;
    void client.passkey.isAutofillAvailable().then((available) => {
      if (!available || stopped) return;
      const controller = new AbortController();
      autofill.current = controller;
      signIn
        .current({ mediation: "conditional", signal: controller.signal })
        .then((user) => done.current(user))
        .catch((caught: unknown) => {
          // The offer waits silently: stopped (the button, leaving the page) or never
          // started (the server unreachable, which the form says when it is used), it
          // says nothing. A passkey the person chose and Sekisho refused is shown.
          if (isSekishoError(caught) && !QUIET.includes(caught.code)) setError(inWords(caught));
        });
    });
    return () => {
      stopped = true;
      autofill.current?.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- inWords reads refs only
  }, [client]);

  if (!supported) return null;
  async function withButton() {
    autofill.current?.abort();
    autofill.current = null;
    setPending(true);
    setError(null);
    try {
      done.current(await signIn.current());
    } catch (caught) {
      if (!isSekishoError(caught)) throw caught;
      if (caught.code !== "PASSKEY_CANCELLED") setError(inWords(caught));
    } finally {
      setPending(false);
    }
  }
  return (
    <div className="sekisho-social">
      <ErrorAlert error={error} />
      <Button type="button" secondary onClick={() => void withButton()} disabled={pending}>
        {pending ? t.passkeys.waiting : t.passkeys.signIn}
      </Button>
    </div>
  );
}
