// The typed client: every path, body and answer of the API through openapi-fetch,
// cookies always sent, every failure a SekishoError, and (in bearer mode) tokens
// kept in memory and refreshed once on a 401.
import createFetchClient, { type Client } from "openapi-fetch";

import { SekishoError } from "./errors.js";
import { createCredential, getCredential, passkeyAutofillAvailable, passkeysSupported } from "./passkey.js";
import type { components, paths } from "./schema.js";
import { type RefreshOutcome, type SignOutReason, TokenKeeper, type TokenPair } from "./tokens.js";

export type User = components["schemas"]["UserView"];
export type Session = components["schemas"]["SessionView"];
export type SessionPage = components["schemas"]["SessionsResponse"];
export type SignupBody = components["schemas"]["SignupRequest"];
/** `verificationRequired`: REQUIRE_EMAIL_VERIFICATION holds the session back until the
 * address is verified (the link signs this browser in); the user is not signed in yet. */
export type SignUpResult = components["schemas"]["SignupResponse"];
export type LoginBody = components["schemas"]["LoginRequest"];
export type Provider = components["schemas"]["ProviderView"];
export type LinkedAccount = components["schemas"]["AccountView"];
/** A profile update: a field given is set (`null` clears it), one left out is kept. */
export type ProfileChanges = { name?: string | null; image?: string | null };
/** What a sign-in-by-email mail gives: its link's `token`, or the address and its code. */
export type EmailSignInProof = { token: string } | { email: string; code: string };

/** A code from the authenticator app, or one of the recovery codes: one of them. */
export type SecondFactorAnswer =
  | {
      code: string;
      recoveryCode?: undefined;
      /** Cookie mode: overrides the login's rememberMe. */
      rememberMe?: boolean;
    }
  | {
      recoveryCode: string;
      code?: undefined;
      /** Cookie mode: overrides the login's rememberMe. */
      rememberMe?: boolean;
    };

/** The answer as the API takes it: exactly one of `code` and `recoveryCode`. */
function answerFields(answer: SecondFactorAnswer): { code: string } | { recoveryCode: string } {
  return answer.code !== undefined ? { code: answer.code } : { recoveryCode: answer.recoveryCode };
}

export type TwoFactorSetup = components["schemas"]["TwoFactorSetupResponse"];

/** The password, or a current code for an account without a password. */
export type TwoFactorProof = { password: string } | { code: string };

export interface TwoFactorApi {
  /** A secret waiting for its first code: `secret` (base32), `otpauthUri`, `qrSvg`. */
  setup(password?: string): Promise<TwoFactorSetup>;
  /** Turns it on with a code of the set-up secret; the ten recovery codes, shown once. */
  enable(code: string): Promise<{ user: User; recoveryCodes: string[] }>;
  disable(proof: TwoFactorProof): Promise<User>;
  /** Ten new recovery codes; the old ones stop working. */
  recoveryCodes(proof: TwoFactorProof): Promise<string[]>;
}

export type Passkey = components["schemas"]["PasskeyView"];

export interface PasskeySignInOptions {
  /** The account's passkeys only (the browser then offers just those); without it,
   * any passkey this browser's authenticators hold for the app. */
  email?: string;
  rememberMe?: boolean;
  /** `conditional`: offer passkeys in the autofill of an input with
   * `autocomplete="username webauthn"` (start it when the page loads; `signal` stops
   * it before a button's sign-in). Default: a dialog. */
  mediation?: "conditional" | "optional";
  signal?: AbortSignal;
}

export interface PasskeyApi {
  /** Whether this browser can run a passkey ceremony. */
  isSupported(): boolean;
  /** Whether it offers passkeys in autofill (conditional mediation). */
  isAutofillAvailable(): Promise<boolean>;
  /** Runs the browser's ceremony and stores a new passkey of the signed-in user. */
  register(options?: { name?: string; signal?: AbortSignal }): Promise<Passkey>;
  list(): Promise<Passkey[]>;
  rename(id: string, name: string): Promise<Passkey>;
  /** Fails with LAST_SIGN_IN_METHOD when it is the user's only way to sign in. */
  remove(id: string): Promise<void>;
  /** Runs the browser's ceremony and signs in (a browser session: cookie mode only).
   * No second factor is asked: a passkey is two already. */
  signIn(options?: PasskeySignInOptions): Promise<User>;
}

export interface SocialSignInOptions {
  /** Where the browser lands signed in: a path of the app, or a URL on a trusted origin. */
  callbackURL: string;
  /** Where it lands on failure, with `?error=<CODE>`. Default: the app's `/login`. */
  errorCallbackURL?: string;
}
export type ApiClient = Client<paths>;

export interface ClientOptions {
  /** The server's origin, e.g. `http://localhost:8080`. Default: NEXT_PUBLIC_API_URL,
   * else the page's own origin (the API behind the app's own `/api`). */
  baseUrl?: string;
  /** `cookie` (browsers; the default) or `bearer` (tokens in memory). */
  auth?: "cookie" | "bearer";
  /** Sent as Accept-Language: the language of error messages (`ja` or `en`). */
  language?: string;
  /** A call without an answer after this long fails with TIMEOUT. Default 15 s. */
  timeoutMs?: number;
  /** Tabs that share this name share their bearer tokens. Default `sekisho`. */
  channelName?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export interface SekishoClient {
  /** Every endpoint, typed from the OpenAPI document (throws SekishoError on non-2xx). */
  readonly api: ApiClient;
  readonly auth: "cookie" | "bearer";
  setLanguage(language: string | undefined): void;
  /** The signed-in user, or null when there is none: cookie mode asks
   * `/session` (never a 401 in the console), bearer mode `/me` (refreshing on 401). */
  getUser(): Promise<User | null>;
  signUp(body: SignupBody): Promise<SignUpResult>;
  /** Cookie mode: /login. Bearer mode: /token, then /me. With a second factor on, it
   * throws SekishoError TWO_FACTOR_REQUIRED: finish with `verifySecondFactor`. */
  signIn(body: LoginBody): Promise<User>;
  /** The second step of a sign-in: a TOTP `code` or a `recoveryCode` (cookie mode:
   * /two-factor/verify with the challenge cookie; bearer mode: /token/two-factor). */
  verifySecondFactor(answer: SecondFactorAnswer): Promise<User>;
  /** The signed-in user's TOTP second factor and recovery codes. */
  readonly twoFactor: TwoFactorApi;
  /** Passkeys: registering them (signed in), managing them, signing in with one. */
  readonly passkey: PasskeyApi;
  signOut(): Promise<void>;
  forgotPassword(email: string): Promise<string>;
  /** Sets the new password with a mailed token; every session of the user ends. In
   * cookie mode this browser is then signed in (the user), or, with a second factor,
   * throws SekishoError TWO_FACTOR_REQUIRED as `signIn` does (finish with
   * `verifySecondFactor`). `null`: nobody was signed in (bearer mode, where tokens
   * come from `signIn` with the new password; or a disabled account). */
  resetPassword(token: string, newPassword: string): Promise<User | null>;
  changePassword(currentPassword: string, newPassword: string): Promise<string>;
  /** Every live session of the caller, newest first (all pages; at most 100). */
  listSessions(): Promise<Session[]>;
  /** One page of them: pass the previous page's `nextCursor` as `cursor`. */
  listSessionPage(options?: { limit?: number; cursor?: string }): Promise<SessionPage>;
  revokeSession(id: string): Promise<void>;
  revokeOtherSessions(): Promise<void>;
  /**
   * Deletes the account. A user without a password sends none: a sign-in within the
   * last 10 minutes is the proof (else `REAUTHENTICATION_REQUIRED`).
   */
  withdraw(confirmPassword?: string): Promise<string>;
  /** Sets the signed-in user's name or picture (an `https://` URL); the user after it. */
  updateProfile(changes: ProfileChanges): Promise<User>;
  /** Asks to move the account to `newEmail`: a link goes there, a notice to the current
   * address, and nothing changes until the link is opened (`verifyEmail` with its
   * token). `password` is required of a user who has one; one without proves it by a
   * sign-in within 10 minutes (else `REAUTHENTICATION_REQUIRED`). */
  changeEmail(newEmail: string, password?: string): Promise<string>;
  /** Mails a sign-in link and a 6-digit code to `email`. The answer is the same
   * whether or not the address has an account: say "if…", never "we sent". */
  signInWithEmail(email: string, options?: { callbackURL?: string }): Promise<string>;
  /** Signs in with the mailed link's token, or the address and code (cookie mode: a
   * browser session). With a second factor on, throws TWO_FACTOR_REQUIRED: finish with
   * `verifySecondFactor`. */
  verifyEmailSignIn(proof: EmailSignInProof, options?: { rememberMe?: boolean }): Promise<User>;
  /** The sign-in providers Sekisho has ready (Google, OpenID Connect providers). */
  listProviders(): Promise<Provider[]>;
  /** Starts a sign-in (or, signed in, a link) with `provider`: resolves to the
   * provider's authorization URL; send the browser there (`location.assign(url)`). */
  signInSocial(provider: string, options: SocialSignInOptions): Promise<string>;
  listAccounts(): Promise<LinkedAccount[]>;
  /** Fails with LAST_SIGN_IN_METHOD when it is the user's only way to sign in. */
  unlinkAccount(provider: string): Promise<void>;
  /** Asks for a fresh verification link: to `email`, or to the signed-in user. The
   * answer is the same whether or not a mail goes out (unknown or verified address, or
   * one already sent within the minute), so say "if…", never "we sent". */
  sendVerificationEmail(email?: string): Promise<string>;
  /** Spends a verification token; resolves to the user, now verified. */
  verifyEmail(token: string): Promise<User>;
  /** Bearer mode: the tokens held now (null when signed out, and in cookie mode). */
  readonly tokens: TokenPair | null;
  /** Called when the session ends by itself: TOKEN_REUSED, an expired refresh token,
   * or a sign-out in another tab. */
  onSignOut(listener: (reason: SignOutReason, error?: SekishoError) => void): () => void;
  /** Called after a call that changed the signed-in user or what protects it (a second
   * factor on or off, a passkey added or removed, the profile, a verified address, a
   * provider unlinked): with the user when the answer carries it, else with nothing
   * (ask again). `<SekishoProvider>` listens, so `useSession().user` stays current. */
  onUserChange(listener: (user?: User) => void): () => void;
  close(): void;
}

const AUTH = "/api/v1/auth";
// A 401 from these is an answer about credentials, not an expired access token.
/** How long before its expiry an access token is refreshed ahead of a call: 30 s, or
 * a quarter of a shorter token's life (so that a 60 s token is not refreshed at once). */
function refreshAhead(tokens: TokenPair): number {
  return Math.min(30_000, (tokens.lifetimeMs ?? 120_000) / 4);
}

const NO_RETRY = ["/login", "/signup", "/token", "/refresh", "/logout"].map((p) => AUTH + p);

function secondFactorNeeded(): SekishoError {
  return new SekishoError(200, "TWO_FACTOR_REQUIRED", "The password was right; a second factor is needed");
}

export function defaultBaseUrl(): string {
  let configured: string | undefined;
  try {
    // Written out in full so that Next.js inlines it into browser bundles.
    configured = process.env.NEXT_PUBLIC_API_URL;
  } catch {
    configured = undefined;
  }
  if (configured) return configured.replace(/\/+$/, "");
  if (typeof window !== "undefined" && window.location) return window.location.origin;
  return "";
}

export function createClient(options: ClientOptions = {}): SekishoClient {
  const baseUrl = (options.baseUrl ?? defaultBaseUrl()).replace(/\/+$/, "");
  const mode = options.auth ?? "cookie";
  const timeoutMs = options.timeoutMs ?? 15_000;
  const rawFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let language = options.language;

  const userListeners = new Set<(user?: User) => void>();
  function userChanged<T>(result: T, user?: User): T {
    for (const listener of userListeners) listener(user);
    return result;
  }

  async function send(request: Request, init?: RequestInit): Promise<Response> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const callerSignal = init?.signal ?? request.signal;
    const forward = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", forward);
    try {
      if (language) request.headers.set("Accept-Language", language);
      return await rawFetch(request, { ...init, signal: controller.signal });
    } catch (cause) {
      if (timedOut) {
        throw new SekishoError(0, "TIMEOUT", `No answer from ${baseUrl || "the server"} within ${timeoutMs} ms`, {
          cause,
        });
      }
      if (callerSignal?.aborted) throw cause;
      throw new SekishoError(0, "NETWORK_ERROR", `Cannot reach ${baseUrl || "the server"}`, { cause });
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", forward);
    }
  }

  async function refreshCall(refreshToken: string): Promise<RefreshOutcome> {
    const request = new Request(`${baseUrl}${AUTH}/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refreshToken }),
      credentials: "include",
    });
    const response = await send(request);
    if (response.ok) return { ok: true, tokens: await readTokens(response) };
    const error = await SekishoError.fromResponse(response);
    if (error.code === "TOKEN_REUSED") return { ok: false, reason: "TOKEN_REUSED", error };
    if (error.status === 401) return { ok: false, reason: "UNAUTHORIZED", error };
    throw error;
  }

  const keeper = mode === "bearer" ? new TokenKeeper(options.channelName ?? "sekisho", refreshCall) : null;
  // Bearer mode: the challenge /token answered, until /token/two-factor spends it.
  let challenge: string | null = null;

  async function authorizedFetch(request: Request, init?: RequestInit): Promise<Response> {
    const path = new URL(request.url, "http://x").pathname;
    const retryable = keeper !== null && !NO_RETRY.includes(path);
    // Refreshed shortly before it expires (shared by concurrent calls and tabs as
    // after a 401), so that calls do not wait for a 401 first; a failed refresh
    // leaves the 401-then-refresh path below as the fallback.
    const held = keeper?.current;
    if (retryable && keeper && held && held.expiresAt - Date.now() < refreshAhead(held)) {
      await keeper.refreshAfter(held.token).catch(() => false);
    }
    const spare = retryable ? request.clone() : null;
    const sentToken = keeper?.current?.token;
    if (sentToken) request.headers.set("Authorization", `Bearer ${sentToken}`);
    const response = await send(request, init);
    if (response.status === 401 && keeper && sentToken && spare) {
      const code = await peekCode(response);
      if (code === "UNAUTHORIZED" && (await keeper.refreshAfter(sentToken)) && keeper.current) {
        spare.headers.set("Authorization", `Bearer ${keeper.current.token}`);
        return checkAnswer(await send(spare, init));
      }
    }
    return checkAnswer(response);
  }

  const api = createFetchClient<paths>({
    baseUrl,
    credentials: "include",
    headers: options.headers,
    fetch: authorizedFetch as typeof fetch,
  });

  // checkAnswer has already thrown for non-2xx and for bodies that are not JSON, so a
  // missing body here means an answer that is not what the server sends.
  function body<T>(result: { data?: T; response: Response }): T {
    if (result.data === undefined) {
      throw new SekishoError(result.response.status, "BAD_RESPONSE", "The server's answer had no body");
    }
    return result.data;
  }

  const client: SekishoClient = {
    api,
    auth: mode,
    get tokens() {
      return keeper?.current ?? null;
    },
    setLanguage(next) {
      language = next;
    },
    async getUser() {
      // Cookie mode asks /session, which answers null rather than 401: a signed-out
      // page logs no error in the browser's console.
      if (!keeper) return body(await api.GET("/api/v1/auth/session")).user ?? null;
      if (!keeper.current) return null;
      // Bearer mode asks /me: its 401 is what starts a refresh of an expired token.
      try {
        return body(await api.GET("/api/v1/auth/me")).user;
      } catch (error) {
        if (error instanceof SekishoError && error.status === 401) return null;
        throw error;
      }
    },
    async signUp(input) {
      return body(await api.POST("/api/v1/auth/signup", { body: input }));
    },
    async signIn(input) {
      if (!keeper) {
        const answer = body(await api.POST("/api/v1/auth/login", { body: input }));
        if ("twoFactorRequired" in answer) throw secondFactorNeeded();
        return answer.user;
      }
      const answer = body(await api.POST("/api/v1/auth/token", { body: { email: input.email, password: input.password } }));
      if ("challenge" in answer) {
        challenge = answer.challenge;
        throw secondFactorNeeded();
      }
      keeper.set(toTokenPair(answer));
      return body(await api.GET("/api/v1/auth/me")).user;
    },
    twoFactor: {
      async setup(password) {
        return body(await api.POST("/api/v1/auth/two-factor/setup", { body: password ? { password } : {} }));
      },
      async enable(code) {
        const answer = body(await api.POST("/api/v1/auth/two-factor/enable", { body: { code } }));
        return userChanged(answer, answer.user);
      },
      async disable(proof) {
        const user = body(await api.POST("/api/v1/auth/two-factor/disable", { body: proof })).user;
        return userChanged(user, user);
      },
      async recoveryCodes(proof) {
        return body(await api.POST("/api/v1/auth/two-factor/recovery-codes", { body: proof })).recoveryCodes;
      },
    },
    passkey: {
      isSupported: passkeysSupported,
      isAutofillAvailable: passkeyAutofillAvailable,
      async register(options = {}) {
        const { options: creation } = body(await api.POST("/api/v1/auth/passkeys/register/options"));
        const credential = await createCredential(creation as Record<string, unknown>, options.signal);
        const added = body(
          await api.POST("/api/v1/auth/passkeys/register", { body: { credential, name: options.name } }),
        ).passkey;
        return userChanged(added);
      },
      async list() {
        return body(await api.GET("/api/v1/auth/passkeys")).passkeys;
      },
      async rename(id, name) {
        return body(await api.PATCH("/api/v1/auth/passkeys/{id}", { params: { path: { id } }, body: { name } })).passkey;
      },
      async remove(id) {
        await api.DELETE("/api/v1/auth/passkeys/{id}", { params: { path: { id } } });
        userChanged(undefined);
      },
      async signIn(options = {}) {
        if (keeper) {
          throw new SekishoError(0, "PASSKEY_UNSUPPORTED", "A passkey sign-in makes a browser session: use cookie mode");
        }
        const email = options.email?.trim() || undefined;
        const { options: request } = body(
          await api.POST("/api/v1/auth/sign-in/passkey/options", { body: email ? { email } : {} }),
        );
        const credential = await getCredential(request as Record<string, unknown>, options.mediation, options.signal);
        return body(
          await api.POST("/api/v1/auth/sign-in/passkey", { body: { credential, rememberMe: options.rememberMe } }),
        ).user;
      },
    },
    async verifySecondFactor(answer) {
      if (!keeper) {
        const verify = { ...answerFields(answer), rememberMe: answer.rememberMe };
        return body(await api.POST("/api/v1/auth/two-factor/verify", { body: verify })).user;
      }
      if (!challenge) throw secondFactorNeeded();
      const pair = body(
        await api.POST("/api/v1/auth/token/two-factor", {
          body: { challenge, ...answerFields(answer) },
        }),
      );
      challenge = null;
      keeper.set(toTokenPair(pair));
      return body(await api.GET("/api/v1/auth/me")).user;
    },
    async signOut() {
      try {
        if (!keeper || keeper.current) await api.POST("/api/v1/auth/logout");
      } finally {
        keeper?.clear("SIGNED_OUT");
      }
    },
    async forgotPassword(email) {
      return body(await api.POST("/api/v1/auth/forgot-password", { body: { email } })).message;
    },
    async resetPassword(token, newPassword) {
      const answer = body(await api.POST("/api/v1/auth/reset-password", { body: { token, newPassword } }));
      if (keeper) return null;
      if (answer.twoFactorRequired) throw secondFactorNeeded();
      return answer.user ?? null;
    },
    async changePassword(currentPassword, newPassword) {
      return body(await api.POST("/api/v1/auth/change-password", { body: { currentPassword, newPassword } })).message;
    },
    async listSessions() {
      const all: Session[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listSessionPage({ limit: 100, cursor });
        all.push(...page.sessions);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    },
    async listSessionPage(options = {}) {
      const query = { limit: options.limit, cursor: options.cursor };
      return body(await api.GET("/api/v1/auth/sessions", { params: { query } }));
    },
    async revokeSession(id) {
      await api.DELETE("/api/v1/auth/sessions/{id}", { params: { path: { id } } });
    },
    async revokeOtherSessions() {
      await api.DELETE("/api/v1/auth/sessions");
    },
    async withdraw(confirmPassword) {
      const request = confirmPassword === undefined ? {} : { confirmPassword };
      const message = body(await api.POST("/api/v1/user/withdraw", { body: request })).message;
      keeper?.clear("SIGNED_OUT");
      return message;
    },
    async listProviders() {
      return body(await api.GET("/api/v1/auth/providers")).providers;
    },
    async signInSocial(provider, options) {
      const answer = body(
        await api.POST("/api/v1/auth/sign-in/social", {
          body: { provider, callbackURL: options.callbackURL, errorCallbackURL: options.errorCallbackURL },
        }),
      );
      return answer.url;
    },
    async listAccounts() {
      return body(await api.GET("/api/v1/auth/accounts")).accounts;
    },
    async unlinkAccount(provider) {
      await api.DELETE("/api/v1/auth/accounts/{provider}", { params: { path: { provider } } });
      userChanged(undefined);
    },
    async sendVerificationEmail(email) {
      return body(await api.POST("/api/v1/auth/send-verification-email", { body: email ? { email } : {} })).message;
    },
    async updateProfile(changes) {
      const user = body(await api.PATCH("/api/v1/user/profile", { body: changes })).user;
      return userChanged(user, user);
    },
    async changeEmail(newEmail, password) {
      const request = password === undefined ? { newEmail } : { newEmail, password };
      return body(await api.POST("/api/v1/user/change-email", { body: request })).message;
    },
    async signInWithEmail(email, options = {}) {
      const request = options.callbackURL === undefined ? { email } : { email, callbackURL: options.callbackURL };
      return body(await api.POST("/api/v1/auth/sign-in/email", { body: request })).message;
    },
    async verifyEmailSignIn(proof, options = {}) {
      if (keeper) {
        throw new SekishoError(0, "EMAIL_SIGN_IN_UNSUPPORTED", "A sign-in by email makes a browser session: use cookie mode");
      }
      const answer = body(
        await api.POST("/api/v1/auth/sign-in/email/verify", { body: { ...proof, rememberMe: options.rememberMe } }),
      );
      if ("twoFactorRequired" in answer) throw secondFactorNeeded();
      return answer.user;
    },
    async verifyEmail(token) {
      // Not passed on: the link may be opened by a browser signed in as nobody, or as
      // somebody else; the listener asks who is signed in.
      return userChanged(body(await api.POST("/api/v1/auth/verify-email", { body: { token } })).user);
    },
    onSignOut(listener) {
      return keeper ? keeper.onSignOut(listener) : () => undefined;
    },
    onUserChange(listener) {
      userListeners.add(listener);
      return () => userListeners.delete(listener);
    },
    close() {
      keeper?.close();
    },
  };
  return client;
}

/**
 * Every answer passes here before openapi-fetch reads it: a non-2xx one becomes a
 * SekishoError, and a 2xx body that is not JSON (a proxy's page, a cut-off answer)
 * becomes BAD_RESPONSE with its real status, so that no SyntaxError ever reaches the
 * caller, whether it used a helper or `api` directly.
 */
async function checkAnswer(response: Response): Promise<Response> {
  if (!response.ok) throw await SekishoError.fromResponse(response);
  if (response.status === 204) return response;
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new SekishoError(0, "NETWORK_ERROR", "The answer was cut off", { cause });
  }
  if (text !== "") {
    try {
      JSON.parse(text);
    } catch (cause) {
      throw new SekishoError(response.status, "BAD_RESPONSE", "The server's answer is not JSON (is a proxy in the way?)", {
        cause,
      });
    }
  }
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}

async function peekCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json();
    const error = (body as { error?: { code?: unknown } } | null)?.error;
    return typeof error?.code === "string" ? error.code : undefined;
  } catch {
    return undefined;
  }
}

async function readTokens(response: Response): Promise<TokenPair> {
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new SekishoError(response.status, "BAD_RESPONSE", "The refresh answer is not JSON", { cause });
  }
  const pair = body as Partial<components["schemas"]["TokenResponse"]>;
  if (typeof pair.token !== "string" || typeof pair.refreshToken !== "string" || typeof pair.expiresIn !== "number") {
    throw new SekishoError(response.status, "BAD_RESPONSE", "The refresh answer has no tokens");
  }
  return toTokenPair(pair as components["schemas"]["TokenResponse"]);
}

function toTokenPair(pair: components["schemas"]["TokenResponse"]): TokenPair {
  return {
    token: pair.token,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
    lifetimeMs: pair.expiresIn * 1000,
  };
}
