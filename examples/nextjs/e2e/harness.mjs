// Starting the real things the browser test and the benchmark need: a release
// Sekisho on a fresh SQLite file, the example built and served by `next start`.
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const EXAMPLE = path.resolve(import.meta.dirname, "..");
export const REPO = path.resolve(EXAMPLE, "../..");

/** A port free now and outside the kernel's ephemeral range (32768 and up on Linux):
 * a port from `listen(0)` is released until the server that needs it starts (after
 * a build of a minute or more), and meanwhile any outgoing connection may take it as
 * its own source port (seen as EADDRINUSE in CI). Below that range only listeners
 * take ports. */
export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free port between 20000 and 32000");
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function waitFor(url, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status < 500) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up at ${url}: ${last}`);
}

const children = new Set();
export function track(child, name) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  child.name = name;
  return child;
}
export function stopAll() {
  for (const child of children) child.kill("SIGTERM");
}
process.on("exit", stopAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/** A release Sekisho on a fresh SQLite file; `extra` adds environment variables. */
export async function startSekisho({ appOrigin, extra = {}, port: chosenPort }) {
  const binary = process.env.SEKISHO_BIN ?? path.join(REPO, "target/release/sekisho");
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary}: run \`cargo build --release\` first`);
  const dir = mkdtempSync(path.join(tmpdir(), "sekisho-e2e-"));
  const port = chosenPort ?? (await freePort());
  const child = track(
    spawn(binary, ["serve"], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: `sqlite://${dir}/auth.db`,
        DATA_DIR: dir,
        BIND: `127.0.0.1:${port}`,
        SECRET_KEY: "e2e-secret-key-that-is-long-enough-0123456789",
        CORS_ORIGINS: appOrigin,
        FRONTEND_URL: appOrigin,
        RUST_LOG: "warn",
        ...extra,
      },
      stdio: ["ignore", "inherit", "inherit"],
    }),
    "sekisho",
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/health`, "sekisho");
  return { url, port, dir, child, outbox: path.join(dir, "outbox") };
}

/** A management key made by the server's own command line (`sekisho management-key
 * create`), against the database of `api` (what startSekisho returned). */
export function managementKey(api, name, scopes) {
  const binary = process.env.SEKISHO_BIN ?? path.join(REPO, "target/release/sekisho");
  const made = spawnSync(binary, ["management-key", "create", name, "--scopes", scopes], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: `sqlite://${api.dir}/auth.db`,
      DATA_DIR: api.dir,
      SECRET_KEY: "e2e-secret-key-that-is-long-enough-0123456789",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (made.status !== 0) throw new Error(`management-key create failed (${made.status})`);
  return made.stdout.toString().trim();
}

/** `next build` into its own folder, with the given build-time environment. */
export function buildExample(distDir, env) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(EXAMPLE, "node_modules/next/dist/bin/next"), "build"], {
    cwd: EXAMPLE,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir, ...env },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? "");
    throw new Error(`next build (${distDir}) failed`);
  }
  return Date.now() - started;
}

export async function startExample(distDir, port, env) {
  const child = track(
    spawn(process.execPath, [path.join(EXAMPLE, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: EXAMPLE,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    }),
    "next",
  );
  await waitFor(`http://127.0.0.1:${port}/`, "next start");
  return child;
}

/** The reset link of the newest mail in the outbox (quoted-printable decoded), or
 * null before the first mail (the server makes the folder when it writes one). */
/** A mail's text: an outbox file is written decoded (8bit); a quoted-printable one
 * (as SMTP carries it) is decoded here. */
export function mailText(raw) {
  if (!/content-transfer-encoding: quoted-printable/i.test(raw)) return raw;
  const bytes = raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The link to the app's `page` (`reset-password`, `verify-email`) in the newest mail
 * of the outbox that has one, or null. */
export function lastMailLink(outbox, page) {
  if (!existsSync(outbox)) return null;
  const mails = readdirSync(outbox).filter((f) => f.endsWith(".eml")).sort().reverse();
  const pattern = new RegExp(`https?://[^\\s"<]+/${page}\\?token=[A-Za-z0-9_-]+`);
  for (const mail of mails) {
    const raw = readFileSync(path.join(outbox, mail), "utf8");
    const text = mailText(raw);
    const found = text.match(pattern)?.[0];
    if (found) return found;
  }
  return null;
}

/** The 6-digit code of the newest sign-in mail to `to` in the outbox, or null. */
export function lastSignInCode(outbox, to) {
  if (!existsSync(outbox)) return null;
  const mails = readdirSync(outbox).filter((f) => f.endsWith(".eml")).sort().reverse();
  for (const mail of mails) {
    const raw = readFileSync(path.join(outbox, mail), "utf8");
    if (!raw.includes(`To: ${to}`)) continue;
    const text = mailText(raw);
    const found = text.match(/Or enter this code:\s+(\d{6})/)?.[1];
    if (found) return found;
  }
  return null;
}

/** Waits up to ten seconds for a sign-in mail's code to `to`. */
export async function waitForSignInCode(outbox, to) {
  for (let i = 0; i < 100; i++) {
    const code = lastSignInCode(outbox, to);
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no sign-in code to ${to} in ${outbox}`);
}

/** Waits up to ten seconds for `lastMailLink` to find a link different from `previous`. */
export async function waitForMailLink(outbox, page, previous = null) {
  for (let i = 0; i < 100; i++) {
    const link = lastMailLink(outbox, page);
    if (link && link !== previous) return link;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new /${page} link in ${outbox}`);
}

/** The test OpenID provider (oidc-provider, tests/oidc-provider) for `redirectUri`. */
export async function startOidcProvider({ redirectUri, clientId, clientSecret }) {
  const dir = path.join(REPO, "tests/oidc-provider");
  if (!existsSync(path.join(dir, "node_modules/oidc-provider"))) {
    throw new Error("tests/oidc-provider has no node_modules: run `npm ci` there first");
  }
  const child = track(
    spawn(process.execPath, [path.join(dir, "launcher.mjs")], {
      env: { PATH: process.env.PATH, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, REDIRECT_URIS: redirectUri },
      stdio: ["ignore", "pipe", "ignore"],
    }),
    "oidc-provider",
  );
  const issuer = await new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const line = buffer.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).issuer);
    });
    child.once("exit", (code) => reject(new Error(`oidc-provider exited with ${code}`)));
  });
  return { issuer, child };
}

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error("Chromium is not installed (apt-get install chromium)");
  return found;
}

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"];

/** The code an authenticator app shows for a base32 `secret` at `unixSeconds`
 * (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits). */
export function totp(secret, unixSeconds = Date.now() / 1000) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "")) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[19] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
