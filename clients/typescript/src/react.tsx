"use client";
// The session for React components: <SekishoProvider> asks /me once (or starts from
// the user a Server Component already has), and useSession() gives every component
// the same answer, updated by signIn, signUp and signOut, and by any call that changes
// the user (a second factor, a passkey, the profile, a verified address).
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

import {
  type ClientOptions,
  createClient,
  type EmailSignInProof,
  type LoginBody,
  type PasskeySignInOptions,
  type ProfileChanges,
  type SecondFactorAnswer,
  type SekishoClient,
  type SignupBody,
  type SignUpResult,
  type User,
} from "./client.js";
import type { SekishoError } from "./errors.js";
import type { SignOutReason } from "./tokens.js";

/** `second-factor`: the password was right and the account has a second factor:
 * `verifySecondFactor({ code })` finishes the sign-in. */
export type SessionStatus = "loading" | "authenticated" | "unauthenticated" | "second-factor";

export interface SessionValue {
  status: SessionStatus;
  user: User | null;
  /** Why the last check failed, when it failed for another reason than "signed out"
   * (the server is down, a proxy answered HTML...). */
  error: SekishoError | null;
  /** Why the session ended by itself (TOKEN_REUSED, revoked elsewhere...). */
  signedOutBecause: SignOutReason | null;
  refetch(): Promise<User | null>;
  /** Throws SekishoError TWO_FACTOR_REQUIRED (and `status` becomes `second-factor`)
   * when the account has a second factor. */
  signIn(body: LoginBody): Promise<User>;
  verifySecondFactor(answer: SecondFactorAnswer): Promise<User>;
  /** Runs the browser's passkey ceremony and signs in (no second step). */
  signInWithPasskey(options?: PasskeySignInOptions): Promise<User>;
  /** Signed in at once, unless `verificationRequired`: then the user is still signed
   * out until they open the mailed link. */
  signUp(body: SignupBody): Promise<SignUpResult>;
  signOut(): Promise<void>;
  /** Sets the new password from a mailed link and signs this browser in (`status`
   * `authenticated`); with a second factor, throws TWO_FACTOR_REQUIRED and `status`
   * becomes `second-factor`, as `signIn` does. `null`: nobody signed in. */
  resetPassword(token: string, newPassword: string): Promise<User | null>;
  /** Signs in with a mailed link's token or the address and code; with a second
   * factor, throws TWO_FACTOR_REQUIRED and `status` becomes `second-factor`. */
  verifyEmailSignIn(proof: EmailSignInProof, options?: { rememberMe?: boolean }): Promise<User>;
  /** Sets the name or picture; `user` is the updated one. */
  updateProfile(changes: ProfileChanges): Promise<User>;
  client: SekishoClient;
}

const SessionContext = createContext<SessionValue | null>(null);

export interface SekishoProviderProps {
  children: ReactNode;
  /** A client to share; one is created from `options` otherwise. */
  client?: SekishoClient;
  options?: ClientOptions;
  /** The user a Server Component already read with getSession(): no loading state,
   * no second /me. `null` means "known to be signed out". */
  initialUser?: User | null;
}

/**
 * The session for everything inside it. Inside another SekishoProvider it adds
 * nothing: the outer one's session is used, so that pages bringing their own provider
 * (those `sekisho-client init` writes) share the app's.
 */
export function SekishoProvider(props: SekishoProviderProps) {
  const outer = useContext(SessionContext);
  if (outer) return <>{props.children}</>;
  return <OwnSession {...props} />;
}

function OwnSession({ children, client: given, options, initialUser }: SekishoProviderProps) {
  // Made once and kept for the page's life: closing it on unmount would break it under
  // StrictMode, which unmounts and mounts again with the same ref.
  const clientRef = useRef<SekishoClient | null>(given ?? null);
  if (!clientRef.current) clientRef.current = createClient(options);
  const client = clientRef.current;

  const [user, setUser] = useState<User | null>(initialUser ?? null);
  const [status, setStatus] = useState<SessionStatus>(
    initialUser === undefined ? "loading" : initialUser ? "authenticated" : "unauthenticated",
  );
  const [error, setError] = useState<SekishoError | null>(null);
  const [signedOutBecause, setSignedOutBecause] = useState<SignOutReason | null>(null);

  const settle = useCallback((next: User | null) => {
    setUser(next);
    setStatus(next ? "authenticated" : "unauthenticated");
    return next;
  }, []);

  const signedIn = useCallback(
    (next: User) => {
      setSignedOutBecause(null);
      setError(null);
      settle(next);
      return next;
    },
    [settle],
  );

  const refetch = useCallback(async () => {
    try {
      const next = await client.getUser();
      setError(null);
      return settle(next);
    } catch (caught) {
      setError(caught as SekishoError);
      return settle(null);
    }
  }, [client, settle]);

  useEffect(() => {
    if (initialUser === undefined) void refetch();
  }, [initialUser, refetch]);

  // A factor, passkey, profile or address changed through the client (also from a
  // component that called it directly): the user everyone sees follows.
  useEffect(
    () =>
      client.onUserChange((next) => {
        if (next) signedIn(next);
        else void refetch();
      }),
    [client, signedIn, refetch],
  );

  useEffect(
    () =>
      client.onSignOut((reason) => {
        setSignedOutBecause(reason);
        settle(null);
      }),
    [client, settle],
  );

  const value = useMemo<SessionValue>(
    () => ({
      status,
      user,
      error,
      signedOutBecause,
      refetch,
      client,
      async signIn(body) {
        try {
          return signedIn(await client.signIn(body));
        } catch (caught) {
          if ((caught as SekishoError).code === "TWO_FACTOR_REQUIRED") setStatus("second-factor");
          throw caught;
        }
      },
      async verifySecondFactor(answer) {
        return signedIn(await client.verifySecondFactor(answer));
      },
      async signInWithPasskey(options) {
        return signedIn(await client.passkey.signIn(options));
      },
      async signUp(body) {
        const result = await client.signUp(body);
        if (!result.verificationRequired) signedIn(result.user);
        return result;
      },
      async signOut() {
        try {
          await client.signOut();
        } finally {
          settle(null);
        }
      },
      async verifyEmailSignIn(proof, options) {
        try {
          return signedIn(await client.verifyEmailSignIn(proof, options));
        } catch (caught) {
          if ((caught as SekishoError).code === "TWO_FACTOR_REQUIRED") setStatus("second-factor");
          throw caught;
        }
      },
      async updateProfile(changes) {
        return signedIn(await client.updateProfile(changes));
      },
      async resetPassword(token, newPassword) {
        try {
          const next = await client.resetPassword(token, newPassword);
          return next ? signedIn(next) : settle(null);
        } catch (caught) {
          if ((caught as SekishoError).code === "TWO_FACTOR_REQUIRED") setStatus("second-factor");
          throw caught;
        }
      },
    }),
    [status, user, error, signedOutBecause, refetch, client, settle, signedIn],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession() must be used inside <SekishoProvider>");
  return value;
}

/** The provider's client, for calls beyond the session (sessions list, password...). */
export function useSekisho(): SekishoClient {
  return useSession().client;
}
