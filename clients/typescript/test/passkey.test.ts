// The passkey helpers where the browser lacks the WebAuthn Level 3 JSON helpers (the
// conversion done by hand must give what parse*FromJSON / toJSON give), the browser's
// refusals as SekishoErrors, and a whole register/sign-in round with a stand-in
// navigator.credentials. Chromium's real ceremony is the example's e2e.
import { afterEach, describe, expect, it, vi } from "vitest";

import { createClient, SekishoError } from "../src/index.js";
import { ceremonyError, creationOptions, credentialJson, requestOptions } from "../src/passkey.js";

const b64url = (bytes: number[]) => Buffer.from(bytes).toString("base64url");
const bytesOf = (buffer: BufferSource | undefined) =>
  Array.from(new Uint8Array(buffer instanceof ArrayBuffer ? buffer : (buffer as ArrayBufferView).buffer));

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("without the Level 3 helpers", () => {
  it("decodes the options' binary fields", () => {
    const creation = creationOptions({
      rp: { id: "localhost", name: "Sekisho" },
      user: { id: b64url([1, 2, 3]), name: "a@example.com", displayName: "A" },
      challenge: b64url([250, 251, 252, 253]),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      excludeCredentials: [{ type: "public-key", id: b64url([9, 9]) }],
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
    });
    expect(bytesOf(creation.challenge)).toEqual([250, 251, 252, 253]);
    expect(bytesOf(creation.user.id)).toEqual([1, 2, 3]);
    expect(bytesOf(creation.excludeCredentials?.[0]?.id)).toEqual([9, 9]);
    expect(creation.authenticatorSelection?.residentKey).toBe("required");

    const request = requestOptions({ challenge: b64url([7]), rpId: "localhost", userVerification: "required" });
    expect(bytesOf(request.challenge)).toEqual([7]);
    expect(request.allowCredentials).toBeUndefined();
  });

  it("encodes a credential as toJSON() would", () => {
    const buffer = (bytes: number[]) => new Uint8Array(bytes).buffer;
    const credential = {
      id: b64url([5, 6]),
      rawId: buffer([5, 6]),
      type: "public-key",
      authenticatorAttachment: "platform",
      getClientExtensionResults: () => ({}),
      response: {
        clientDataJSON: buffer([123, 125]),
        authenticatorData: buffer([1]),
        signature: buffer([2, 255]),
        userHandle: buffer([3]),
      },
    } as unknown as PublicKeyCredential;
    expect(credentialJson(credential)).toEqual({
      id: b64url([5, 6]),
      rawId: b64url([5, 6]),
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url([123, 125]),
        authenticatorData: b64url([1]),
        signature: b64url([2, 255]),
        userHandle: b64url([3]),
      },
    });
  });
});

describe("the browser's refusals", () => {
  it("says cancelled, unsupported or failed", () => {
    const named = (name: string) => Object.assign(new Error(name), { name });
    expect(ceremonyError(named("NotAllowedError")).code).toBe("PASSKEY_CANCELLED");
    expect(ceremonyError(named("AbortError")).code).toBe("PASSKEY_CANCELLED");
    expect(ceremonyError(named("SecurityError")).code).toBe("PASSKEY_UNSUPPORTED");
    expect(ceremonyError(named("InvalidStateError")).code).toBe("PASSKEY_FAILED");
  });
});

describe("client.passkey", () => {
  const OPTIONS = { challenge: b64url([1, 2]), rpId: "localhost", userVerification: "required" };

  function server() {
    const bodies: Record<string, unknown> = {};
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const path = new URL(request.url).pathname;
      bodies[path] = request.method === "POST" ? await request.text().then((t) => (t ? JSON.parse(t) : null)) : null;
      const answer = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
      if (path.endsWith("/sign-in/passkey/options")) return answer(200, { options: OPTIONS });
      if (path.endsWith("/sign-in/passkey")) return answer(200, { user: { id: "u", email: "a@example.com" } });
      if (path.endsWith("/passkeys/register/options")) {
        return answer(200, {
          options: {
            ...OPTIONS,
            rp: { id: "localhost", name: "Sekisho" },
            user: { id: b64url([1]), name: "a", displayName: "a" },
            pubKeyCredParams: [{ type: "public-key", alg: -7 }],
          },
        });
      }
      if (path.endsWith("/passkeys/register")) {
        return answer(201, { passkey: { id: "p", name: "Laptop", createdAt: "", lastUsedAt: null } });
      }
      return answer(404, { error: { code: "NOT_FOUND", message: "Not found" } });
    };
    return { fetch: fetch as typeof globalThis.fetch, bodies };
  }

  function fakeBrowser(get: () => Promise<unknown>) {
    vi.stubGlobal("window", {});
    vi.stubGlobal("PublicKeyCredential", function PublicKeyCredential() {});
    vi.stubGlobal("navigator", {
      credentials: {
        get: vi.fn(get),
        create: vi.fn(async () => ({
          toJSON: () => ({ id: "new", type: "public-key", response: {} }),
        })),
      },
    });
  }

  it("runs the ceremony and sends the browser's JSON", async () => {
    fakeBrowser(async () => ({ toJSON: () => ({ id: "cred", type: "public-key", response: {} }) }));
    const { fetch, bodies } = server();
    const client = createClient({ baseUrl: "http://api.test", fetch });
    const user = await client.passkey.signIn({ email: " a@example.com ", rememberMe: false });
    expect(user.email).toBe("a@example.com");
    expect(bodies["/api/v1/auth/sign-in/passkey/options"]).toEqual({ email: "a@example.com" });
    expect(bodies["/api/v1/auth/sign-in/passkey"]).toEqual({
      credential: { id: "cred", type: "public-key", response: {} },
      rememberMe: false,
    });
    const added = await client.passkey.register({ name: "Laptop" });
    expect(added.name).toBe("Laptop");
    expect(bodies["/api/v1/auth/passkeys/register"]).toEqual({
      credential: { id: "new", type: "public-key", response: {} },
      name: "Laptop",
    });
  });

  it("turns a closed dialog into PASSKEY_CANCELLED and sends nothing more", async () => {
    fakeBrowser(async () => {
      throw Object.assign(new Error("The operation either timed out or was not allowed."), { name: "NotAllowedError" });
    });
    const { fetch, bodies } = server();
    const client = createClient({ baseUrl: "http://api.test", fetch });
    const failure = await client.passkey.signIn().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SekishoError);
    expect((failure as SekishoError).code).toBe("PASSKEY_CANCELLED");
    expect(bodies["/api/v1/auth/sign-in/passkey/options"]).toEqual({});
    expect("/api/v1/auth/sign-in/passkey" in bodies).toBe(false);
  });

  it("refuses a passkey sign-in in bearer mode", async () => {
    const { fetch } = server();
    const client = createClient({ baseUrl: "http://api.test", fetch, auth: "bearer", channelName: "passkey-test" });
    const failure = await client.passkey.signIn().catch((e: unknown) => e);
    expect((failure as SekishoError).code).toBe("PASSKEY_UNSUPPORTED");
    client.close();
  });
});
