// The sign-in page's words: a failed call's message and fields, the `?error=` of a
// provider sign-in in the visitor's language, and one field for both kinds of
// second-factor answer. Also: a change made through the client reaches its listeners.
import { describe, expect, it } from "vitest";

import {
  createClient,
  describeError,
  pickLanguage,
  SekishoError,
  secondFactorAnswer,
  signInErrorFromQuery,
  type User,
} from "../src/index.js";

describe("describeError", () => {
  it("folds the fields of a VALIDATION_ERROR into the message", () => {
    const error = new SekishoError(400, "VALIDATION_ERROR", "Invalid input", {
      fields: { password: "must be at least 8 characters" },
    });
    const shown = describeError(error);
    expect(shown.message).toBe("password: must be at least 8 characters");
    expect(shown.fields).toEqual({ password: "must be at least 8 characters" });
  });

  it("keeps the server's message, worded in the language the client asked for", () => {
    const error = new SekishoError(401, "INVALID_CREDENTIALS", "メールアドレスまたはパスワードが正しくありません");
    expect(describeError(error, "ja").message).toBe("メールアドレスまたはパスワードが正しくありません");
  });

  it("words the failures no server answered, in English and Japanese", () => {
    const offline = new SekishoError(0, "NETWORK_ERROR", "fetch failed");
    expect(describeError(offline).message).toMatch(/Could not reach the server/);
    expect(describeError(offline, "ja").message).toMatch(/サーバーに接続できませんでした/);
    expect(describeError(new Error("boom")).message).toBe("Something went wrong. Try again.");
  });
});

describe("signInErrorFromQuery", () => {
  it("reads the code a provider sign-in came back with", () => {
    expect(signInErrorFromQuery("?error=OAUTH_FAILED")).toMatch(/did not complete/);
    expect(signInErrorFromQuery(new URLSearchParams("error=ACCOUNT_NOT_LINKED"), "ja")).toMatch(/すでにあります/);
    expect(signInErrorFromQuery({ error: ["ACCOUNT_DISABLED"] })).toBe("This account is disabled.");
    expect(signInErrorFromQuery("?next=/dashboard")).toBeNull();
  });

  it("never shows text from the URL", () => {
    const crafted = "?error=" + encodeURIComponent("Your account is locked: call +1 555 0100");
    expect(signInErrorFromQuery(crafted)).toBe("Something went wrong. Try again.");
    expect(signInErrorFromQuery("?error=SOMETHING_NEW", "ja")).toBe("問題が発生しました。もう一度お試しください。");
  });

  it("picks Japanese for a ja language tag only", () => {
    expect(pickLanguage("ja-JP")).toBe("ja");
    expect(pickLanguage("en-US")).toBe("en");
    expect(pickLanguage(undefined)).toBe("en");
  });
});

describe("secondFactorAnswer", () => {
  it("tells a code from the app from a recovery code", () => {
    expect(secondFactorAnswer(" 123 456 ")).toEqual({ code: "123456" });
    expect(secondFactorAnswer("abcde-12345")).toEqual({ recoveryCode: "abcde-12345" });
    expect(secondFactorAnswer("0123456789")).toEqual({ recoveryCode: "0123456789" });
    expect(secondFactorAnswer("12345")).toEqual({ recoveryCode: "12345" });
  });
});

describe("onUserChange", () => {
  const user = (twoFactorEnabled: boolean): User => ({
    id: "0b0c6f6e-2f6c-4a8e-9d43-8f1b2b0c9a11",
    email: "tanaka@example.com",
    name: null,
    emailVerified: true,
    image: null,
    role: "user",
    twoFactorEnabled,
    createdAt: "2026-01-15T10:00:00Z",
    updatedAt: "2026-01-15T10:00:00Z",
  });
  const answer = (body: unknown) =>
    new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });

  it("hears a second factor turned on and off, a profile, a verified address and an unlinked provider", async () => {
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const path = new URL(request.url).pathname;
      if (path.endsWith("/two-factor/enable")) return answer({ user: user(true), recoveryCodes: ["a"] });
      if (path.endsWith("/two-factor/disable")) return answer({ user: user(false) });
      if (path.endsWith("/user/profile")) return answer({ user: { ...user(false), name: "Tanaka" } });
      if (path.endsWith("/verify-email")) return answer({ user: user(false) });
      if (path.includes("/accounts/")) return new Response(null, { status: 204 });
      return new Response("{}", { status: 404 });
    }) as typeof globalThis.fetch;
    const client = createClient({ baseUrl: "http://api.test", fetch });
    const heard: Array<User | undefined> = [];
    const stop = client.onUserChange((next) => heard.push(next));
    await client.twoFactor.enable("123456");
    await client.twoFactor.disable({ password: "pw" });
    await client.updateProfile({ name: "Tanaka" });
    await client.verifyEmail("token");
    await client.unlinkAccount("github");
    stop();
    await client.twoFactor.enable("123456");
    expect(heard.map((u) => (u ? `${u.twoFactorEnabled}/${u.name}` : "ask again"))).toEqual([
      "true/null",
      "false/null",
      "false/Tanaka",
      "ask again",
      "ask again",
    ]);
  });
});
