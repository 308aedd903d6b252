// The client README, followed by a stranger: a copy of what create-next-app generates
// (my-app/, see regenerate.sh), the README's "Install" and "Quick start" commands run
// as written, its file snippets written where they say, `next build`, then sign-up,
// sign-out, the guard, sign-in and the protected page in Chromium against a release
// Sekisho started by the README's own command. A README snippet that breaks breaks
// this test.
//
// The only liberty taken: the README's ports (localhost:3000, 127.0.0.1:8080) become
// free ports, so that the check can run beside anything else.
//
//   node run.mjs
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, chromiumPath, freePort, REPO, waitFor, waitForMailLink } from "../../examples/nextjs/e2e/harness.mjs";

// Under cacheComponents Next.js keeps the pages a browser left in the DOM, hidden
// (React <Activity>), and streamed Suspense content sits hidden until revealed:
// only what is on screen counts.
const VISIBLE = { visible: true };

const README = path.join(REPO, "clients/typescript/README.md");
const SHOTS = path.join(REPO, "target/screenshots/fresh-app");

/** The fenced blocks of the README's sections named `sections`, in order: `{ lang,
 * file, text }`, where `file` is the info string's `file=` (a snippet to write) and
 * a block without one is a command to run. */
export function readmeBlocks(markdown, sections) {
  const blocks = [];
  let section = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heading = lines[i].match(/^## (.*)/);
    if (heading) section = heading[1];
    const fence = lines[i].match(/^```(\w+)(.*)$/);
    if (!fence) continue;
    const end = lines.indexOf("```", i + 1);
    assert.ok(end > i, `unclosed code block at README line ${i + 1}`);
    if (sections.some((s) => section.startsWith(s))) {
      const file = fence[2].match(/\bfile=(\S+)/)?.[1] ?? null;
      blocks.push({ lang: fence[1], file, text: lines.slice(i + 1, end).join("\n") + "\n", line: i + 1 });
    }
    i = end;
  }
  return blocks;
}

const groups = new Set();
function stopAll() {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}
process.on("exit", stopAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

/** Runs a README command block from `cwd` with bash; a block that starts a server is
 * left running in its own process group (stopped at exit). */
function runCommands(block, cwd, env, { server = false } = {}) {
  console.log(`$ (README line ${block.line}, in ${path.basename(cwd)})\n${block.text.trimEnd()}`);
  if (server) {
    const child = spawn("bash", ["-euo", "pipefail", "-c", block.text], { cwd, env, stdio: ["ignore", "inherit", "inherit"], detached: true });
    groups.add(child.pid);
    return child;
  }
  const result = spawnSync("bash", ["-euo", "pipefail", "-c", block.text], { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
  assert.equal(result.status, 0, `the README's commands at line ${block.line} failed`);
  return null;
}

async function main() {
  const started = Date.now();
  mkdirSync(SHOTS, { recursive: true });
  const appPort = await freePort();
  const apiPort = await freePort();
  const localize = (text) => text.replaceAll("localhost:3000", `localhost:${appPort}`).replaceAll("127.0.0.1:8080", `127.0.0.1:${apiPort}`);

  // The layout the README assumes: a checkout of Sekisho and the app side by side.
  const work = mkdtempSync(path.join(tmpdir(), "sekisho-fresh-app-"));
  symlinkSync(REPO, path.join(work, "sekisho"));
  cpSync(path.join(import.meta.dirname, "my-app"), path.join(work, "my-app"), { recursive: true });
  const app = path.join(work, "my-app");
  const data = path.join(work, "sekisho-data");
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    npm_config_audit: "false",
    npm_config_fund: "false",
    // Sekisho: a fresh database of its own; the README's variables come on top.
    DATABASE_URL: `sqlite://${data}/auth.db`,
    DATA_DIR: data,
    BIND: `127.0.0.1:${apiPort}`,
    RUST_LOG: "warn",
    // `npm start` (next start) listens on PORT.
    PORT: String(appPort),
  };
  mkdirSync(data);

  console.log(`== the generated app: npm ci (${app})`);
  assert.equal(spawnSync("npm", ["ci"], { cwd: app, env, stdio: "inherit" }).status, 0, "npm ci in the generated app failed");

  const blocks = readmeBlocks(readFileSync(README, "utf8"), ["Install", "Quick start"]).map((b) => ({ ...b, text: localize(b.text) }));
  const commands = blocks.filter((b) => !b.file && b.lang === "sh");
  const files = blocks.filter((b) => b.file);
  assert.ok(commands.length >= 4 && files.length >= 5, `the README's quick start lost its blocks (${commands.length} commands, ${files.length} files)`);

  console.log("== the README's snippets");
  for (const block of files) {
    const target = path.join(work, block.file);
    assert.ok(target.startsWith(app + path.sep), `README line ${block.line}: ${block.file} is outside the app`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, block.text);
    console.log(`   wrote ${block.file}`);
  }

  console.log("== the README's commands");
  // `cargo run --release` alone serves; `cargo run --release -- doctor` is a check
  // that must pass (exit 0) once both servers are up.
  const isServer = (block) => /cargo run --release\s*$|npm start|npm run dev/m.test(block.text);
  let sekisho = null;
  let next = null;
  for (const block of commands) {
    if (!isServer(block)) {
      runCommands(block, work, env);
    } else if (/cargo run --release\s*$/m.test(block.text)) {
      sekisho = runCommands(block, work, env, { server: true });
      await waitFor(`http://127.0.0.1:${apiPort}/api/health`, "sekisho (README's cargo run)", 600_000);
    } else {
      next = runCommands(block, work, env, { server: true });
      await waitFor(`http://localhost:${appPort}/login`, "the app (README's npm run build && npm start)", 600_000);
    }
  }
  assert.ok(sekisho && next, "the README's quick start must start both Sekisho and the app");

  console.log("== Chromium: sign up, sign out, the guard, sign in, the protected page");
  const origin = `http://localhost:${appPort}`;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    const email = `stranger-${Date.now()}@example.com`;
    const password = "correct horse battery";

    // (main's alert: Next.js keeps a route announcer with role="alert" of its own)
    const alert = page.locator('main [role="alert"]').filter(VISIBLE);

    // A provider sign-in that failed comes back with ?error=: the page says so.
    await page.goto(`${origin}/login?error=OAUTH_FAILED`);
    await alert.waitFor();
    assert.match(await alert.innerText(), /did not complete/, "the login page words ?error=");

    // A password the server refuses: the field and what is wrong with it, not "Invalid input".
    await page.goto(`${origin}/login`);
    await page.locator('input[name="email"]').filter(VISIBLE).fill(email);
    await page.locator('input[name="password"]').filter(VISIBLE).fill("short");
    await page.getByRole("button", { name: "Sign up", exact: true }).filter(VISIBLE).click();
    await alert.waitFor();
    assert.match(await alert.innerText(), /password: must be at least 8 characters/);

    await page.locator('input[name="password"]').filter(VISIBLE).fill(password);
    await page.getByRole("button", { name: "Sign up", exact: true }).filter(VISIBLE).click();
    await page.waitForURL(`${origin}/dashboard`);
    await page.getByText(`Signed in as ${email}`).filter(VISIBLE).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "1-signed-up.png") });

    // The sign-up's verification mail links to the README's verify-email page.
    const link = await waitForMailLink(path.join(data, "outbox"), "verify-email");
    assert.ok(link.startsWith(`${origin}/verify-email?token=`), link);
    await page.goto(link);
    await page.getByText(`${email} is verified.`).filter(VISIBLE).waitFor();
    await page.goto(`${origin}/dashboard`);
    await page.getByText(`Signed in as ${email}`).filter(VISIBLE).waitFor();

    await page.getByRole("button", { name: "Sign out", exact: true }).filter(VISIBLE).click();
    await page.waitForURL(`${origin}/login`);

    // The guard (proxy.ts): no cookie, so the page is never rendered.
    const guarded = await fetch(`${origin}/dashboard`, { redirect: "manual" });
    assert.equal(guarded.status, 307, "the guard redirects a signed-out visitor");
    assert.equal(new URL(guarded.headers.get("location"), origin).pathname + new URL(guarded.headers.get("location"), origin).search, "/login?next=%2Fdashboard");
    // Its matcher keeps it off /api.
    const health = await fetch(`${origin}/api/health`, { redirect: "manual" });
    assert.equal(health.status, 200, "/api/health goes through the app's proxy, not the guard");

    await page.goto(`${origin}/dashboard`);
    await page.waitForURL(`${origin}/login?next=%2Fdashboard`);
    await page.locator('input[name="email"]').filter(VISIBLE).fill(email);
    await page.locator('input[name="password"]').filter(VISIBLE).fill("wrong password entirely");
    await page.getByRole("button", { name: "Sign in", exact: true }).filter(VISIBLE).click();
    await alert.waitFor();
    assert.match(await alert.innerText(), /password/i, "a wrong password shows the server's message");

    await page.locator('input[name="password"]').filter(VISIBLE).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).filter(VISIBLE).click();
    await page.waitForURL(`${origin}/dashboard`);
    await page.getByText(`Signed in as ${email}`).filter(VISIBLE).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "2-signed-in.png") });

    // A session revoked from elsewhere: the cookie is still there, the page's own
    // check (getSession, asking Sekisho) sends the browser to the login page.
    const cookies = await page.context().cookies(origin);
    const session = cookies.find((c) => c.name === "access_token");
    assert.ok(session?.httpOnly, "the session cookie is on the app's origin, HttpOnly");
    const logout = await fetch(`http://127.0.0.1:${apiPort}/api/v1/auth/logout`, {
      method: "POST",
      headers: { Cookie: `access_token=${session.value}`, Origin: origin },
    });
    assert.equal(logout.status, 200, "the session ends at Sekisho");
    await page.goto(`${origin}/dashboard`);
    await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/dashboard");

    // The only expected console errors: the short password's 400 and the wrong password's 401.
    const unexpected = consoleErrors.filter((text) => !/401|400/.test(text));
    assert.deepEqual(unexpected, [], "no errors in the browser's console besides the refused password's 400 and 401");
    assert.equal(consoleErrors.filter((text) => /400/.test(text)).length, 1, "the short password's 400 only");
    assert.equal(consoleErrors.filter((text) => /401/.test(text)).length, 1, "a signed-out page logs no 401 of its own");
  } finally {
    await browser.close();
  }
  console.log(`fresh app: ok in ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] === import.meta.filename) {
  main().then(
    () => {
      stopAll();
      process.exit(0);
    },
    (error) => {
      console.error(error);
      stopAll();
      process.exit(1);
    },
  );
}
