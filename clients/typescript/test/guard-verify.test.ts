// createAuthGuard({ verify }) against a real Sekisho's JWKS: a real session cookie goes
// through, a changed, foreign or expired one is sent to the login page, no cookie too;
// keys that cannot be fetched leave the decision to the page.
import { SignJWT, generateKeyPair } from "jose";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createAuthGuard } from "../src/guard.js";
import { FRONTEND, LiveServer, binary } from "./live-server.js";

const server = new LiveServer();

function request(token?: string): NextRequest {
  const headers = token ? { cookie: `access_token=${token}` } : undefined;
  return new NextRequest("http://app.example/dashboard?tab=2", { headers });
}

const passed = (response: Response) => response.headers.get("x-middleware-next") === "1";

describe.skipIf(!binary)("the guard checks the cookie against the JWKS", () => {
  beforeAll(() => server.start(), 40_000);
  afterAll(() => server.stop());

  it("lets a real session through and sends anything else to the login page", async () => {
    const guard = createAuthGuard({
      protect: ["/dashboard"],
      verify: { issuer: FRONTEND, jwksUrl: `${server.url}/.well-known/jwks.json` },
    });
    const token = await server.signUp("edge@example.com");
    expect(passed(await guard(request(token)))).toBe(true);

    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const changed = Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" })).toString("base64url");
    const forged = await guard(request(`${header}.${changed}.${signature}`));
    expect(forged.status).toBe(307);
    expect(forged.headers.get("location")).toBe("http://app.example/login?next=%2Fdashboard%3Ftab%3D2");

    // Signed by someone else's key under Sekisho's kid, and an expired one.
    const { privateKey } = await generateKeyPair("ES256");
    const kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid;
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
    expect((await guard(request(foreign))).status).toBe(307);
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })
      .setProtectedHeader({ alg: "ES256", kid })
      .sign(privateKey);
    expect((await guard(request(expired))).status).toBe(307);
    expect((await guard(request())).status).toBe(307);
    expect(passed(await guard(new NextRequest("http://app.example/about")))).toBe(true);

    // Another issuer's guard refuses Sekisho's cookie.
    const strict = createAuthGuard({
      protect: ["/dashboard"],
      verify: { issuer: "https://elsewhere.example", jwksUrl: `${server.url}/.well-known/jwks.json` },
    });
    expect((await strict(request(token))).status).toBe(307);
  });

  it("leaves the decision to the page when the keys cannot be fetched", async () => {
    const guard = createAuthGuard({
      protect: ["/dashboard"],
      verify: { issuer: FRONTEND, jwksUrl: "http://127.0.0.1:9/.well-known/jwks.json" },
    });
    const token = await server.signUp("offline@example.com");
    expect(passed(await guard(request(token)))).toBe(true);
  });
});
