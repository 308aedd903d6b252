// What getSession() costs a page: 1,000 sequential requests each of
//   /api/v1/auth/me from this Node process, with the cookie (the call getSession makes),
//   /dashboard with the cookie (layout + page: one /me, memoised per request),
//   /login without a cookie (a page of the same app that makes no call),
// against a release Sekisho on SQLite and `next start`. Prints p50/p99 in ms.
//
//   node e2e/bench.mjs            (needs target/release/sekisho and npm ci)
import { buildExample, freePort, startExample, startSekisho, stopAll } from "./harness.mjs";

const N = Number(process.env.N ?? 1000);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(label, url, headers) {
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers, redirect: "manual" })).arrayBuffer(); // warm-up
  const times = [];
  for (let i = 0; i < N; i++) {
    const start = process.hrtime.bigint();
    const response = await fetch(url, { headers, redirect: "manual" });
    await response.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (response.status !== 200) throw new Error(`${label}: status ${response.status}`);
  }
  times.sort((a, b) => a - b);
  const row = { label, p50: percentile(times, 50), p99: percentile(times, 99) };
  console.log(`${label.padEnd(34)} p50 ${row.p50.toFixed(2).padStart(7)} ms   p99 ${row.p99.toFixed(2).padStart(7)} ms`);
  return row;
}

try {
  const appPort = await freePort();
  const app = `http://localhost:${appPort}`;
  const api = await startSekisho({ appOrigin: app, extra: { RATE_LIMIT_ENABLED: "false" } });
  buildExample(".next-proxy", {});
  await startExample(".next-proxy", appPort, { SEKISHO_INTERNAL_URL: api.url });
  const signup = await fetch(`${api.url}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "bench@example.com", password: "bench password 1" }),
  });
  const cookie = signup.headers.getSetCookie()[0]?.split(";")[0];
  if (!cookie) throw new Error(`signup gave no cookie (${signup.status})`);

  console.log(`${N} sequential requests each, ${new Date().toISOString().slice(0, 10)}`);
  const me = await measure("GET /api/v1/auth/me (the call)", `${api.url}/api/v1/auth/me`, { Cookie: cookie });
  const dashboard = await measure("GET /dashboard, signed in", `http://127.0.0.1:${appPort}/dashboard`, { Cookie: cookie });
  const login = await measure("GET /login, no cookie (no call)", `http://127.0.0.1:${appPort}/login`, {});
  console.log(
    `added by getSession (dashboard - login): p50 ${(dashboard.p50 - login.p50).toFixed(2)} ms, p99 ${(dashboard.p99 - login.p99).toFixed(2)} ms; the /me call alone: p50 ${me.p50.toFixed(2)} ms, p99 ${me.p99.toFixed(2)} ms`,
  );
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  stopAll();
}
