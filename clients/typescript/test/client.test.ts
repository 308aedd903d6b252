// The client against a mocked fetch: envelope parsing, failures with no answer,
// single-flight refresh, one retry only, sign-out on TOKEN_REUSED, and two "tabs"
// (clients sharing a channel) that never spend one refresh token twice.
import { afterEach, describe, expect, it, vi } from "vitest";

import { createClient, type SekishoClient, SekishoError, safeReturnPath } from "../src/index.js";

const BASE = "http://api.test";
const USER = {
  id: "0b0c6f6e-2f6c-4a8e-9d43-8f1b2b0c9a11",
  email: "tanaka@example.com",
  name: "田中太郎",
  emailVerified: false,
  image: null,
  role: "user",
  createdAt: "2026-01-15T10:00:00Z",
  updatedAt: "2026-01-15T10:00:00Z",
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

function envelope(status: number, code: string, message: string, fields?: Record<string, string>): Response {
  return json(status, { error: { code, message, ...(fields ? { details: { fields } } : {}) } });
}

type Handler = (request: Request) => Response | Promise<Response>;

/** A fetch that records every request and answers with `handler`. */
function fakeFetch(handler: Handler) {
  const seen: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    seen.push(request.clone());
    if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
    return handler(request);
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

/**
 * A bearer-token server: pairs `access-N`/`refresh-N`; only the newest access token
 * is accepted, and only while not expired; a spent refresh token is TOKEN_REUSED.
 */
function tokenServer(expiresIn = 900) {
  let generation = 0;
  let accessValid = false;
  const state = { rejectAll: false, refreshes: [] as string[], spent: new Set<string>() };
  const pair = () => ({ token: `access-${generation}`, refreshToken: `refresh-${generation}`, expiresIn, tokenType: "Bearer" });
  const handler: Handler = async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/v1/auth/token") {
      generation += 1;
      accessValid = true;
      return json(200, pair());
    }
    if (path === "/api/v1/auth/refresh") {
      const { refreshToken } = (await request.json()) as { refreshToken: string };
      state.refreshes.push(refreshToken);
      if (state.spent.has(refreshToken)) return envelope(401, "TOKEN_REUSED", "This refresh token was already used");
      if (refreshToken !== `refresh-${generation}`) return envelope(401, "UNAUTHORIZED", "Not signed in");
      state.spent.add(refreshToken);
      generation += 1;
      accessValid = true;
      return json(200, pair());
    }
    if (state.rejectAll || !accessValid || request.headers.get("Authorization") !== `Bearer access-${generation}`) {
      return envelope(401, "UNAUTHORIZED", "Not signed in");
    }
    if (path === "/api/v1/auth/me") return json(200, { user: USER });
    if (path === "/api/v1/auth/sessions") return json(200, { sessions: [], nextCursor: null });
    if (path === "/api/v1/auth/logout") return json(200, { message: "Logged out" });
    return envelope(404, "NOT_FOUND", "Not found");
  };
  return {
    handler,
    state,
    expireAccess() {
      accessValid = false;
    },
    /** Someone else (a thief) spends the current refresh token first. */
    stealRefresh() {
      state.spent.add(`refresh-${generation}`);
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

const clients: SekishoClient[] = [];
function track(client: SekishoClient): SekishoClient {
  clients.push(client);
  return client;
}
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

describe("errors", () => {
  it("turns the envelope into a SekishoError with code, message and fields", async () => {
    const { fetch, seen } = fakeFetch(() =>
      envelope(400, "VALIDATION_ERROR", "入力が正しくありません", {
        email: "有効なメールアドレスを入力してください",
        password: "8文字以上にしてください",
      }),
    );
    const client = track(createClient({ baseUrl: BASE, fetch, language: "ja" }));
    const error = await client.signUp({ email: "x", password: "y" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SekishoError);
    const e = error as SekishoError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("VALIDATION_ERROR");
    expect(e.message).toBe("入力が正しくありません");
    expect(e.fields).toEqual({
      email: "有効なメールアドレスを入力してください",
      password: "8文字以上にしてください",
    });
    const sent = seen[0]!;
    expect(sent.headers.get("Accept-Language")).toBe("ja");
    expect(sent.credentials).toBe("include");
    expect(sent.url).toBe(`${BASE}/api/v1/auth/signup`);
    expect(await sent.json()).toEqual({ email: "x", password: "y" });
  });

  it("reads Retry-After of a 429", async () => {
    const { fetch } = fakeFetch(() => json(429, { error: { code: "RATE_LIMITED", message: "Too many" } }, { "Retry-After": "42" }));
    const e = (await createClient({ baseUrl: BASE, fetch }).signIn({ email: "a@b.c", password: "x" }).catch((e: unknown) => e)) as SekishoError;
    expect(e.code).toBe("RATE_LIMITED");
    expect(e.retryAfter).toBe(42);
  });

  it("calls a proxy's HTML error page BAD_RESPONSE", async () => {
    const { fetch } = fakeFetch(() => new Response("<html><h1>502 Bad Gateway</h1></html>", { status: 502, statusText: "Bad Gateway", headers: { "Content-Type": "text/html" } }));
    const e = (await createClient({ baseUrl: BASE, fetch }).getUser().catch((e: unknown) => e)) as SekishoError;
    expect(e).toBeInstanceOf(SekishoError);
    expect(e.code).toBe("BAD_RESPONSE");
    expect(e.status).toBe(502);
  });

  it("calls a 200 that is not JSON BAD_RESPONSE", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>login page</html>", { status: 200 }));
    const client = createClient({ baseUrl: BASE, fetch });
    const e = (await client.getUser().catch((e: unknown) => e)) as SekishoError;
    expect(e.code).toBe("BAD_RESPONSE");
    expect(e).toBeInstanceOf(SekishoError);
    expect(e.status).toBe(200);
    // The same through the typed `api`, which has no helper around it.
    const direct = (await client.api.GET("/api/v1/auth/sessions").catch((e: unknown) => e)) as SekishoError;
    expect(direct).toBeInstanceOf(SekishoError);
    expect(direct.code).toBe("BAD_RESPONSE");
  });

  it("calls a failed connection NETWORK_ERROR, never a bare TypeError", async () => {
    const fetch = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof globalThis.fetch;
    const e = (await createClient({ baseUrl: BASE, fetch }).getUser().catch((e: unknown) => e)) as SekishoError;
    expect(e).toBeInstanceOf(SekishoError);
    expect(e.code).toBe("NETWORK_ERROR");
    expect(e.status).toBe(0);
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  it("calls a server that never answers TIMEOUT", async () => {
    const fetch = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      })) as typeof globalThis.fetch;
    const e = (await createClient({ baseUrl: BASE, fetch, timeoutMs: 50 }).getUser().catch((e: unknown) => e)) as SekishoError;
    expect(e.code).toBe("TIMEOUT");
  });

  it("answers null for a visitor who is not signed in, asking /session (no 401)", async () => {
    const { fetch, seen } = fakeFetch((request) =>
      new URL(request.url).pathname === "/api/v1/auth/session"
        ? json(200, { user: null })
        : envelope(401, "UNAUTHORIZED", "Not signed in"),
    );
    expect(await createClient({ baseUrl: BASE, fetch }).getUser()).toBeNull();
    expect(seen.map((r) => new URL(r.url).pathname)).toEqual(["/api/v1/auth/session"]);
  });

  it("answers the user /session names", async () => {
    const { fetch } = fakeFetch(() => json(200, { user: USER }));
    expect(await createClient({ baseUrl: BASE, fetch }).getUser()).toEqual(USER);
  });
});

describe("bearer mode", () => {
  function bearerClient(server: ReturnType<typeof tokenServer>, channelName: string) {
    const { fetch, seen } = fakeFetch(server.handler);
    const client = track(createClient({ baseUrl: BASE, fetch, auth: "bearer", channelName }));
    return { client, seen };
  }

  it("refreshes ahead of expiresAt, once for concurrent calls, without a 401 first", async () => {
    const server = tokenServer(60); // refreshed in its last quarter: 15 s
    const { client, seen } = bearerClient(server, "t-ahead");
    await client.signIn({ email: USER.email, password: "password-1" });
    expect(server.state.refreshes).toEqual([]); // a fresh token is not refreshed
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start + 50_000); // 10 s left
    const [sessions, again] = await Promise.all([client.listSessions(), client.listSessions()]).finally(() =>
      vi.useRealTimers(),
    );
    expect(sessions).toEqual([]);
    expect(again).toEqual([]);
    expect(server.state.refreshes).toEqual(["refresh-1"]);
    const paths = seen.map((r) => new URL(r.url).pathname);
    // /token, its /me, one /refresh ahead of both calls, then the two calls.
    expect(paths.slice(0, 3)).toEqual(["/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/auth/refresh"]);
    const calls = seen.filter((r) => new URL(r.url).pathname === "/api/v1/auth/sessions");
    expect(calls.map((r) => r.headers.get("Authorization"))).toEqual(["Bearer access-2", "Bearer access-2"]);
  });

  it("adds the access token to every call, and signs in through /token", async () => {
    const server = tokenServer();
    const { client, seen } = bearerClient(server, "t-header");
    expect(await client.getUser()).toBeNull(); // no tokens: no call
    expect(seen).toHaveLength(0);
    expect(await client.signIn({ email: USER.email, password: "password-1" })).toEqual(USER);
    await client.listSessions();
    expect(seen.map((r) => new URL(r.url).pathname)).toEqual(["/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/auth/sessions"]);
    expect(seen.at(-1)!.headers.get("Authorization")).toBe("Bearer access-1");
  });

  it("shares one refresh among concurrent 401s, then retries each call once", async () => {
    const server = tokenServer();
    const { client, seen } = bearerClient(server, "t-single-flight");
    await client.signIn({ email: USER.email, password: "password-1" });
    server.expireAccess();
    const [sessions, user, again] = await Promise.all([client.listSessions(), client.getUser(), client.listSessions()]);
    expect(sessions).toEqual([]);
    expect(user).toEqual(USER);
    expect(again).toEqual([]);
    expect(server.state.refreshes).toEqual(["refresh-1"]);
    const retried = seen.filter((r) => r.headers.get("Authorization") === "Bearer access-2");
    expect(retried).toHaveLength(3);
  });

  it("retries once only: a second 401 is the caller's error", async () => {
    const server = tokenServer();
    const { client, seen } = bearerClient(server, "t-once");
    await client.signIn({ email: USER.email, password: "password-1" });
    server.state.rejectAll = true;
    const e = (await client.listSessions().catch((e: unknown) => e)) as SekishoError;
    expect(e).toBeInstanceOf(SekishoError);
    expect(e.code).toBe("UNAUTHORIZED");
    expect(server.state.refreshes).toHaveLength(1);
    expect(seen.filter((r) => new URL(r.url).pathname.endsWith("/sessions"))).toHaveLength(2);
  });

  it("signs out and says why when the refresh token was reused", async () => {
    const server = tokenServer();
    const { client } = bearerClient(server, "t-reused");
    const reasons: string[] = [];
    client.onSignOut((reason) => reasons.push(reason));
    await client.signIn({ email: USER.email, password: "password-1" });
    server.expireAccess();
    server.stealRefresh();
    const e = (await client.listSessions().catch((e: unknown) => e)) as SekishoError;
    expect(e).toBeInstanceOf(SekishoError);
    expect(e.code).toBe("TOKEN_REUSED");
    expect(reasons).toEqual(["TOKEN_REUSED"]);
    expect(client.tokens).toBeNull();
    expect(await client.getUser()).toBeNull();
  });

  it("an expired refresh token signs out as UNAUTHORIZED", async () => {
    const server = tokenServer();
    const { client } = bearerClient(server, "t-expired");
    const reasons: string[] = [];
    client.onSignOut((reason) => reasons.push(reason));
    await client.signIn({ email: USER.email, password: "password-1" });
    server.expireAccess();
    await server.handler(new Request(`${BASE}/api/v1/auth/token`, { method: "POST" })); // refresh-1 is now stale
    const e = (await client.listSessions().catch((e: unknown) => e)) as SekishoError;
    expect(e.code).toBe("UNAUTHORIZED");
    expect(reasons).toEqual(["UNAUTHORIZED"]);
  });

  it("two tabs share their tokens and spend a refresh token once", async () => {
    const server = tokenServer();
    const a = bearerClient(server, "t-tabs").client;
    await a.signIn({ email: USER.email, password: "password-1" });
    const b = bearerClient(server, "t-tabs").client; // a new tab asks for the tokens
    await until(() => b.tokens?.token === "access-1");

    server.expireAccess();
    const [fromA, fromB] = await Promise.all([a.listSessions(), b.listSessions()]);
    expect(fromA).toEqual([]);
    expect(fromB).toEqual([]);
    expect(server.state.refreshes).toEqual(["refresh-1"]);
    await until(() => a.tokens?.token === "access-2" && b.tokens?.token === "access-2");

    // The tab that waited for the lock saw the spent token and waited for the new pair.
    server.expireAccess();
    await Promise.all([b.getUser(), a.getUser(), b.listSessions()]);
    expect(server.state.refreshes).toEqual(["refresh-1", "refresh-2"]);

    // Signing out in one tab signs out the other.
    const reasons: string[] = [];
    b.onSignOut((reason) => reasons.push(reason));
    await a.signOut();
    await until(() => b.tokens === null);
    expect(reasons).toEqual(["SIGNED_OUT"]);
  });
});

describe("safeReturnPath", () => {
  it("keeps same-site paths and refuses everything else", () => {
    expect(safeReturnPath("/dashboard?tab=1#x")).toBe("/dashboard?tab=1#x");
    for (const bad of ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "", null, undefined]) {
      expect(safeReturnPath(bad, "/home")).toBe("/home");
    }
  });
});

describe("social sign-in and verification", () => {
  it("starts a social sign-in with the contract's field names and returns the provider's URL", async () => {
    const { fetch, seen } = fakeFetch(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/auth/providers") return json(200, { providers: [{ id: "acme", name: "ACME" }] });
      if (path === "/api/v1/auth/sign-in/social") return json(200, { url: "http://idp.test/authorize?x=1", redirect: true });
      return envelope(404, "NOT_FOUND", "Not found");
    });
    const client = createClient({ baseUrl: BASE, fetch });
    expect(await client.listProviders()).toEqual([{ id: "acme", name: "ACME" }]);
    const url = await client.signInSocial("acme", { callbackURL: "/dashboard" });
    expect(url).toBe("http://idp.test/authorize?x=1");
    const sent = await seen[1]!.json();
    expect(sent).toEqual({ provider: "acme", callbackURL: "/dashboard" });
    expect(seen[1]!.credentials).toBe("include");
  });

  it("reports LAST_SIGN_IN_METHOD and verifies an email", async () => {
    const { fetch, seen } = fakeFetch(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/auth/accounts/acme") return envelope(400, "LAST_SIGN_IN_METHOD", "This is your only way to sign in");
      if (path === "/api/v1/auth/verify-email") return json(200, { user: { ...USER, emailVerified: true } });
      if (path === "/api/v1/auth/send-verification-email") return json(200, { success: true, message: "sent" });
      return envelope(404, "NOT_FOUND", "Not found");
    });
    const client = createClient({ baseUrl: BASE, fetch });
    const error = await client.unlinkAccount("acme").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SekishoError);
    expect((error as SekishoError).code).toBe("LAST_SIGN_IN_METHOD");
    expect(seen[0]!.method).toBe("DELETE");
    expect((await client.verifyEmail("t0ken")).emailVerified).toBe(true);
    expect(await client.sendVerificationEmail()).toBe("sent");
    expect(await seen[2]!.json()).toEqual({});
  });

  it("updates the profile, asks for a new address and signs in by email with the contract's fields", async () => {
    const { fetch, seen } = fakeFetch(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/user/profile") return json(200, { user: { ...USER, name: null } });
      if (path === "/api/v1/user/change-email") return json(200, { success: true, message: "open the link" });
      if (path === "/api/v1/auth/sign-in/email") return json(200, { success: true, message: "if possible" });
      if (path === "/api/v1/auth/sign-in/email/verify") {
        const sent = (await request.json()) as { code?: string };
        if (sent.code === "000000") return envelope(400, "INVALID_CODE", "The code is not right");
        if (sent.code === "222222") return json(200, { twoFactorRequired: true, methods: ["totp", "recovery_code"] });
        return json(200, { user: { ...USER, emailVerified: true } });
      }
      return envelope(404, "NOT_FOUND", "Not found");
    });
    const client = createClient({ baseUrl: BASE, fetch });
    expect((await client.updateProfile({ name: null })).name).toBeNull();
    expect(seen[0]!.method).toBe("PATCH");
    expect(await seen[0]!.json()).toEqual({ name: null });
    expect(await client.changeEmail("new@example.com")).toBe("open the link");
    expect(await seen[1]!.json()).toEqual({ newEmail: "new@example.com" });
    expect(await client.signInWithEmail("a@example.com", { callbackURL: "/dashboard" })).toBe("if possible");
    expect(await seen[2]!.json()).toEqual({ email: "a@example.com", callbackURL: "/dashboard" });
    expect((await client.verifyEmailSignIn({ token: "t0ken" })).emailVerified).toBe(true);
    expect(await seen[3]!.json()).toEqual({ token: "t0ken" });
    const wrong = await client.verifyEmailSignIn({ email: "a@example.com", code: "000000" }).catch((e: unknown) => e);
    expect((wrong as SekishoError).code).toBe("INVALID_CODE");
    const second = await client.verifyEmailSignIn({ email: "a@example.com", code: "222222" }).catch((e: unknown) => e);
    expect((second as SekishoError).code).toBe("TWO_FACTOR_REQUIRED");
    const bearer = createClient({ baseUrl: BASE, fetch, auth: "bearer" });
    const refused = await bearer.verifyEmailSignIn({ token: "t" }).catch((e: unknown) => e);
    expect((refused as SekishoError).code).toBe("EMAIL_SIGN_IN_UNSUPPORTED");
  });

  it("stops at TWO_FACTOR_REQUIRED and finishes with verifySecondFactor", async () => {
    const { fetch, seen } = fakeFetch(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/v1/auth/login") return json(200, { twoFactorRequired: true, methods: ["totp", "recovery_code"] });
      if (path === "/api/v1/auth/two-factor/verify") return json(200, { user: { ...USER, twoFactorEnabled: true } });
      return envelope(404, "NOT_FOUND", "Not found");
    });
    const client = createClient({ baseUrl: BASE, fetch });
    const error = await client.signIn({ email: USER.email, password: "correct horse battery" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SekishoError);
    expect((error as SekishoError).code).toBe("TWO_FACTOR_REQUIRED");
    const user = await client.verifySecondFactor({ code: "123456" });
    expect(user.twoFactorEnabled).toBe(true);
    expect(await seen[1]!.json()).toEqual({ code: "123456" });
  });

  it("a completed reset signs in, or asks for the second factor, or signs nobody in", async () => {
    let answer: unknown = { success: true, message: "reset", user: USER };
    const { fetch, seen } = fakeFetch(async () => json(200, answer));
    const client = createClient({ baseUrl: BASE, fetch });
    expect((await client.resetPassword("t0ken", "a new password"))?.email).toBe(USER.email);
    expect(await seen[0]!.json()).toEqual({ token: "t0ken", newPassword: "a new password" });
    answer = { success: true, message: "reset", twoFactorRequired: true, methods: ["totp", "recovery_code"] };
    const error = await client.resetPassword("t0ken", "a new password").catch((e: unknown) => e);
    expect((error as SekishoError).code).toBe("TWO_FACTOR_REQUIRED");
    answer = { success: true, message: "reset" };
    expect(await client.resetPassword("t0ken", "a new password")).toBeNull();
  });

  it("sends one kind of second-factor answer", async () => {
    const { fetch, seen } = fakeFetch(async () => json(200, { user: USER }));
    const client = createClient({ baseUrl: BASE, fetch });
    await client.verifySecondFactor({ recoveryCode: "abcde-12345", rememberMe: false });
    expect(await seen[0]!.json()).toEqual({ recoveryCode: "abcde-12345", rememberMe: false });
  });

  it("hands back verificationRequired from sign-up", async () => {
    const { fetch } = fakeFetch(async () => json(201, { user: USER, verificationRequired: true }));
    const client = createClient({ baseUrl: BASE, fetch });
    const result = await client.signUp({ email: USER.email, password: "correct horse battery" });
    expect(result.verificationRequired).toBe(true);
    expect(result.user.email).toBe(USER.email);
  });
});

describe("sessions", () => {
  it("follows nextCursor through every page", async () => {
    const session = (id: string) => ({
      id,
      kind: "cookie",
      createdAt: "2026-01-15T10:00:00Z",
      lastSeenAt: "2026-01-15T10:00:00Z",
      expiresAt: "2026-02-15T10:00:00Z",
      ip: null,
      userAgent: null,
      current: id === "s1",
    });
    const { fetch, seen } = fakeFetch((request) => {
      const cursor = new URL(request.url).searchParams.get("cursor");
      return cursor === "page-2"
        ? json(200, { sessions: [session("s3")], nextCursor: null })
        : json(200, { sessions: [session("s1"), session("s2")], nextCursor: "page-2" });
    });
    const client = createClient({ baseUrl: BASE, fetch });
    const all = await client.listSessions();
    expect(all.map((s) => s.id)).toEqual(["s1", "s2", "s3"]);
    expect(seen.map((r) => new URL(r.url).search)).toEqual(["?limit=100", "?limit=100&cursor=page-2"]);
    const first = await client.listSessionPage({ limit: 2 });
    expect(first.nextCursor).toBe("page-2");
  });
});
