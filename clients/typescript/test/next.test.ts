// The Route Handler proxy against a real HTTP listener (it records what arrives),
// and the optimistic guard.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createAuthGuard } from "../src/guard.js";
import { clientAddress, sekishoProxy } from "../src/proxy.js";

let server: Server;
let target = "";
const arrived: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      arrived.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.setHeader("Set-Cookie", ["access_token=jwt; HttpOnly; Path=/", "other=1; Path=/"]);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe("sekishoProxy", () => {
  it("forwards the visitor's address, not the browser's own X-Forwarded-For", async () => {
    const { POST } = sekishoProxy({ target, trustedHops: 1 });
    const response = await POST(
      new Request("http://app.example:3000/api/v1/auth/login?x=1", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Origin: "http://app.example:3000",
          Cookie: "access_token=old",
          // What Next.js passes on: the browser's made-up entry, then the real one
          // appended by the proxy in front.
          "X-Forwarded-For": "6.6.6.6, 203.0.113.9",
          "X-Real-IP": "6.6.6.6",
          Forwarded: "for=6.6.6.6",
        },
        body: JSON.stringify({ email: "a@example.com" }),
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual(["access_token=jwt; HttpOnly; Path=/", "other=1; Path=/"]);
    const seen = arrived.at(-1)!;
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/api/v1/auth/login?x=1");
    expect(seen.headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(seen.headers["x-forwarded-host"]).toBe("app.example:3000");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-real-ip"]).toBeUndefined();
    expect(seen.headers.forwarded).toBeUndefined();
    expect(seen.headers.origin).toBe("http://app.example:3000");
    expect(seen.headers.cookie).toBe("access_token=old");
    expect(JSON.parse(seen.body)).toEqual({ email: "a@example.com" });
  });

  it("answers 503 in the envelope when Sekisho is down", async () => {
    const { GET } = sekishoProxy({ target: "http://127.0.0.1:1" });
    const response = await GET(new Request("http://app.example/api/v1/auth/me"));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("picks the entry the trusted proxies appended", () => {
    expect(clientAddress("6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(clientAddress("6.6.6.6, 203.0.113.9, 10.0.0.2", 2)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", 0)).toBe("127.0.0.1");
    expect(clientAddress("203.0.113.9", 3)).toBe("203.0.113.9");
    expect(clientAddress(null, 1)).toBeNull();
  });
});

describe("createAuthGuard", () => {
  const guard = createAuthGuard({ protect: ["/dashboard", "/sessions"] });

  it("sends a visitor without the cookie to /login with next=", () => {
    const response = guard(new NextRequest("http://app.example/dashboard/x?tab=2"));
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe("http://app.example/login?next=%2Fdashboard%2Fx%3Ftab%3D2");
  });

  it("lets a visitor with the cookie, or an open page, through", () => {
    const withCookie = new NextRequest("http://app.example/dashboard", { headers: { Cookie: "access_token=jwt" } });
    expect(guard(withCookie).headers.get("x-middleware-next")).toBe("1");
    expect(guard(new NextRequest("http://app.example/dashboards")).headers.get("x-middleware-next")).toBe("1");
    expect(guard(new NextRequest("http://app.example/login")).headers.get("x-middleware-next")).toBe("1");
  });
});
