// The typed client: every path, body and answer of the API through openapi-fetch,
// cookies always sent, every failure a SekishoError, and (in bearer mode) tokens
// kept in memory and refreshed once on a 401.
import createFetchClient, { type Client } from "openapi-fetch";

import { SekishoError } from "./errors.js";
import type { components, paths } from "./schema.js";
import { type RefreshOutcome, type SignOutReason, TokenKeeper, type TokenPair } from "./tokens.js";

export type User = components["schemas"]["UserView"];
export type Session = components["schemas"]["SessionView"];
export type SignupBody = components["schemas"]["SignupRequest"];
export type LoginBody = components["schemas"]["LoginRequest"];
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
  /** The signed-in user, or null when there is none (401). */
  getUser(): Promise<User | null>;
  signUp(body: SignupBody): Promise<User>;
  /** Cookie mode: /login. Bearer mode: /token, then /me. */
  signIn(body: LoginBody): Promise<User>;
  signOut(): Promise<void>;
  forgotPassword(email: string): Promise<string>;
  resetPassword(token: string, newPassword: string): Promise<string>;
  changePassword(currentPassword: string, newPassword: string): Promise<string>;
  listSessions(): Promise<Session[]>;
  revokeSession(id: string): Promise<void>;
  revokeOtherSessions(): Promise<void>;
  withdraw(confirmPassword: string): Promise<string>;
  /** Bearer mode: the tokens held now (null when signed out, and in cookie mode). */
  readonly tokens: TokenPair | null;
  /** Called when the session ends by itself: TOKEN_REUSED, an expired refresh token,
   * or a sign-out in another tab. */
  onSignOut(listener: (reason: SignOutReason, error?: SekishoError) => void): () => void;
  close(): void;
}

const AUTH = "/api/v1/auth";
// A 401 from these is an answer about credentials, not an expired access token.
const NO_RETRY = ["/login", "/signup", "/token", "/refresh", "/logout"].map((p) => AUTH + p);

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

  async function authorizedFetch(request: Request, init?: RequestInit): Promise<Response> {
    const path = new URL(request.url, "http://x").pathname;
    const retryable = keeper !== null && !NO_RETRY.includes(path);
    const spare = retryable ? request.clone() : null;
    const sentToken = keeper?.current?.token;
    if (sentToken) request.headers.set("Authorization", `Bearer ${sentToken}`);
    const response = await send(request, init);
    if (response.status === 401 && keeper && sentToken && spare) {
      const code = await peekCode(response);
      if (code === "UNAUTHORIZED" && (await keeper.refreshAfter(sentToken)) && keeper.current) {
        spare.headers.set("Authorization", `Bearer ${keeper.current.token}`);
        return failOnError(await send(spare, init));
      }
    }
    return failOnError(response);
  }

  const api = createFetchClient<paths>({
    baseUrl,
    credentials: "include",
    headers: options.headers,
    fetch: authorizedFetch as typeof fetch,
  });

  // Two-step reads: openapi-fetch has already thrown for non-2xx (authorizedFetch), so
  // a missing body here means an answer that is not what the server sends.
  function body<T>(result: { data?: T; response: Response }): T {
    if (result.data === undefined) {
      throw new SekishoError(result.response.status, "BAD_RESPONSE", "The server's answer had no body");
    }
    return result.data;
  }

  async function guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SekishoError) throw error;
      if (error instanceof SyntaxError) {
        throw new SekishoError(200, "BAD_RESPONSE", "The server's answer is not JSON (is a proxy in the way?)", {
          cause: error,
        });
      }
      throw error;
    }
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
    getUser: () =>
      guarded(async () => {
        if (keeper && !keeper.current) return null;
        try {
          return body(await api.GET("/api/v1/auth/me")).user;
        } catch (error) {
          if (error instanceof SekishoError && error.status === 401) return null;
          throw error;
        }
      }),
    signUp: (input) => guarded(async () => body(await api.POST("/api/v1/auth/signup", { body: input })).user),
    signIn: (input) =>
      guarded(async () => {
        if (!keeper) return body(await api.POST("/api/v1/auth/login", { body: input })).user;
        const pair = body(
          await api.POST("/api/v1/auth/token", { body: { email: input.email, password: input.password } }),
        );
        keeper.set(toTokenPair(pair));
        return body(await api.GET("/api/v1/auth/me")).user;
      }),
    signOut: () =>
      guarded(async () => {
        try {
          if (!keeper || keeper.current) await api.POST("/api/v1/auth/logout");
        } finally {
          keeper?.clear("SIGNED_OUT");
        }
      }),
    forgotPassword: (email) =>
      guarded(async () => body(await api.POST("/api/v1/auth/forgot-password", { body: { email } })).message),
    resetPassword: (token, newPassword) =>
      guarded(
        async () => body(await api.POST("/api/v1/auth/reset-password", { body: { token, newPassword } })).message,
      ),
    changePassword: (currentPassword, newPassword) =>
      guarded(
        async () =>
          body(await api.POST("/api/v1/auth/change-password", { body: { currentPassword, newPassword } })).message,
      ),
    listSessions: () => guarded(async () => body(await api.GET("/api/v1/auth/sessions")).sessions),
    revokeSession: (id) =>
      guarded(async () => {
        await api.DELETE("/api/v1/auth/sessions/{id}", { params: { path: { id } } });
      }),
    revokeOtherSessions: () =>
      guarded(async () => {
        await api.DELETE("/api/v1/auth/sessions");
      }),
    withdraw: (confirmPassword) =>
      guarded(async () => {
        const message = body(await api.POST("/api/v1/user/withdraw", { body: { confirmPassword } })).message;
        keeper?.clear("SIGNED_OUT");
        return message;
      }),
    onSignOut(listener) {
      return keeper ? keeper.onSignOut(listener) : () => undefined;
    },
    close() {
      keeper?.close();
    },
  };
  return client;
}

async function failOnError(response: Response): Promise<Response> {
  if (response.ok) return response;
  throw await SekishoError.fromResponse(response);
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
  return { token: pair.token, refreshToken: pair.refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000 };
}
