// createAdminClient against a real Sekisho (the binary cargo built: SEKISHO_BIN, else
// target/release or target/debug) on a fresh SQLite file, with keys made by its own
// command line; and its refusal to run in a browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createAdminClient } from "../src/admin.js";
import * as browserBuild from "../src/admin-browser.js";
import { SekishoError } from "../src/errors.js";
import { LiveServer, binary } from "./live-server.js";

const server = new LiveServer();
let baseUrl = "";
const key = (name: string, scopes: string) => server.key(name, scopes);

describe.skipIf(!binary)("createAdminClient against a real server", () => {
  beforeAll(async () => {
    await server.start();
    baseUrl = server.url;
  }, 40_000);
  afterAll(() => server.stop());

  it("manages a user from creation to deletion", async () => {
    const admin = createAdminClient({ baseUrl, key: key("backend", "users:read,users:write,sessions:write") });
    const created = await admin.users.create({ email: "typed@example.com", password: "correct horse battery", name: "Typed" });
    expect(created.email).toBe("typed@example.com");
    expect(created.disabled).toBe(false);
    const updated = await admin.users.update(created.id, { name: null, emailVerified: true });
    expect(updated.name).toBeNull();
    expect(updated.emailVerified).toBe(true);
    const banned = await admin.users.ban(created.id, { reason: "spam", note: "from the test" });
    expect(banned.disabled).toBe(true);
    expect(banned.ban?.reason).toBe("spam");
    expect((await admin.users.unban(created.id)).disabled).toBe(false);
    const page = await admin.users.list({ q: "typed@" });
    expect(page.users.map((u) => u.id)).toEqual([created.id]);
    expect((await admin.users.sessions(created.id)).sessions).toEqual([]);
    await admin.users.revokeSessions(created.id);
    await admin.users.delete(created.id);
    const gone = await admin.users.get(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(SekishoError);
    expect((gone as SekishoError).code).toBe("NOT_FOUND");
  });

  it("registers, lists and deletes webhook endpoints, the secret shown once", async () => {
    const admin = createAdminClient({ baseUrl, key: key("hooks", "webhooks:write") });
    const made = await admin.webhooks.create({ url: "https://hooks.example.com/sekisho", events: ["user.created"] });
    expect(made.secret).toMatch(/^whsec_/);
    expect(made.webhook.events).toEqual(["user.created"]);
    const listed = await admin.webhooks.list();
    expect(listed.map((w) => w.id)).toEqual([made.webhook.id]);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
    await admin.webhooks.delete(made.webhook.id);
    expect(await admin.webhooks.list()).toEqual([]);
  });

  it("introspects a token, and says what a key may not do", async () => {
    const admin = createAdminClient({ baseUrl, key: key("introspection", "tokens:introspect") });
    expect(await admin.introspect("not a token")).toEqual({ active: false });
    const forbidden = await admin.users.list().catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(SekishoError);
    expect((forbidden as SekishoError).code).toBe("FORBIDDEN");
    expect((forbidden as SekishoError).status).toBe(403);
    const unknown = createAdminClient({ baseUrl, key: "sk_not-a-key" });
    const refused = await unknown.webhooks.list().catch((e: unknown) => e);
    expect((refused as SekishoError).code).toBe("UNAUTHORIZED");
  });
});

describe("server-only", () => {
  it("refuses a key that is no management key", () => {
    expect(() => createAdminClient({ baseUrl: "http://x", key: "eyJhbGciOi" })).toThrow(/sk_/);
  });

  it("refuses to run in a browser, and the browser build refuses at once", () => {
    const scope = globalThis as { window?: unknown };
    scope.window = {};
    try {
      expect(() => createAdminClient({ baseUrl: "http://x", key: "sk_x" })).toThrow(/server-only/);
    } finally {
      delete scope.window;
    }
    expect(() => browserBuild.createAdminClient()).toThrow(/server-only/);
  });
});
