"use client";
// "Continue with …" for every provider Sekisho has ready, and what a failed provider
// sign-in came back with (`?error=<CODE>` on the login page).
import { useEffect, useState } from "react";
import { isSekishoError, type Provider, type SekishoError, signInErrorFromQuery } from "@sekisho/client";
import { useSekisho } from "@sekisho/client/react";

import { Button, ErrorAlert, Notice } from "./forms";
import { useLanguage, useStrings } from "./language";

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

export function SocialButtons({ next, loginPath }: { next: string; loginPath: string }) {
  const t = useStrings();
  const providers = useProviders();
  const { start, error, pending } = useSocialStart(next, `${loginPath}?next=${encodeURIComponent(next)}`);
  if (providers.length === 0) return null;
  return (
    <div className="sekisho-social">
      <ErrorAlert error={error} />
      {providers.map((provider) => (
        <Button key={provider.id} type="button" secondary disabled={pending !== null} onClick={() => start(provider.id)}>
          {pending === provider.id ? t.social.redirecting : t.social.continueWith(provider.name)}
        </Button>
      ))}
      <p className="sekisho-divider">{t.social.orWithEmail}</p>
    </div>
  );
}

/** The `?error=` a provider sign-in came back with, as an alert. Only the code is
 * read from the address, never text. */
export function SocialError({ code }: { code: string | null }) {
  const language = useLanguage();
  if (!code) return null;
  return (
    <Notice kind="error" code={code}>
      {signInErrorFromQuery({ error: code }, language)}
    </Notice>
  );
}
