"use client";
// "Continue with …" for every provider Sekisho has ready, and what a failed social
// sign-in came back with (`?error=<CODE>` on /login).
import { useEffect, useState } from "react";
import { isSekishoError, type Provider, type SekishoError } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { ErrorAlert } from "./forms";

/** The providers of `/providers`; an empty list while loading or when none is set up. */
export function useProviders(): Provider[] {
  const client = useSekisho();
  const [providers, setProviders] = useState<Provider[]>([]);
  useEffect(() => {
    let live = true;
    client
      .listProviders()
      .then((list) => live && setProviders(list))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client]);
  return providers;
}

/** Starts the sign-in (or, when signed in, the link) and sends the browser away. */
export function useSocialStart(callbackURL: string, errorCallbackURL: string) {
  const client = useSekisho();
  const [error, setError] = useState<SekishoError | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  async function start(provider: string) {
    setError(null);
    setPending(provider);
    try {
      window.location.assign(await client.signInSocial(provider, { callbackURL, errorCallbackURL }));
    } catch (caught) {
      setPending(null);
      if (!isSekishoError(caught)) throw caught;
      setError(caught);
    }
  }
  return { start, error, pending };
}

export function SocialButtons({ next }: { next: string }) {
  const providers = useProviders();
  const { start, error, pending } = useSocialStart(next, `/login?next=${encodeURIComponent(next)}`);
  if (providers.length === 0) return null;
  return (
    <div className="social">
      <ErrorAlert error={error} />
      {providers.map((provider) => (
        <button
          key={provider.id}
          type="button"
          className="secondary"
          disabled={pending !== null}
          onClick={() => start(provider.id)}
        >
          {pending === provider.id ? "Redirecting…" : `Continue with ${provider.name}`}
        </button>
      ))}
      <p className="muted divider">or with your email</p>
    </div>
  );
}

const SOCIAL_ERRORS: Record<string, string> = {
  OAUTH_FAILED: "Signing in with the provider did not work. Please try again.",
  ACCOUNT_NOT_LINKED:
    "This email already has an account. Log in with your password, then link the provider in Settings.",
  ACCOUNT_DISABLED: "This account has been disabled.",
  EMAIL_NOT_VERIFIED: "Please verify your email first with the link we mailed you.",
  RATE_LIMITED: "Too many attempts. Please wait a moment.",
};

/** The `?error=` a social sign-in came back with, as an alert. */
export function SocialError({ code }: { code: string | null }) {
  if (!code) return null;
  return (
    <p className="alert error" role="alert" data-code={code}>
      {SOCIAL_ERRORS[code] ?? "Signing in did not work."}
    </p>
  );
}
