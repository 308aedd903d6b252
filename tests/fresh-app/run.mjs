// The client README, followed by a stranger: a copy of what create-next-app generates
// (my-app/, see regenerate.sh), the README's "Install" and "Quick start" commands run
// as written (`npx @sekisho/client init` writes every page; nobody writes a file),
// `next build`, then in Chromium, in English and in Japanese, every link Sekisho
// sends into the app: the verification, sign-in, reset and invitation mails, a
// security notice's settings link, and a provider sign-in that lands on the
// two-factor page. No 404, no console error, the pages in the browser's language.
//
// The liberties taken: the README's ports (localhost:3000, 127.0.0.1:8080) become
// free ports, so that the check can run beside anything else; Google Fonts, which CI
// cannot reach, are served from a local font (offlineGoogleFonts); Sekisho also gets the
// test OpenID provider's variables (the README's closing paragraph) and, for the
// invitation, a management key made by its own command line.
//
//   node run.mjs
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, chromiumPath, freePort, mailText, REPO, startOidcProvider, totp, waitFor } from "../../examples/nextjs/e2e/harness.mjs";

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

/** Waits up to ten seconds for a mail to `to` whose text holds a link to the app's
 * `pathname` (with a query or not) that is not in `seen`; returns the link. */
async function mailLink(outbox, to, pathname, seen) {
  const pattern = new RegExp(`https?://[^\\s"<>]+${pathname.replaceAll("/", "\\/")}(\\?[^\\s"<>]*)?(?=[\\s"<>]|$)`, "g");
  for (let i = 0; i < 100; i++) {
    if (existsSync(outbox)) {
      for (const file of readdirSync(outbox).filter((f) => f.endsWith(".eml")).sort()) {
        const text = mailText(readFileSync(path.join(outbox, file), "utf8"));
        const headers = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
        if (!new RegExp(`^To:.*${to.replaceAll(".", "\\.")}`, "mi").test(headers)) continue;
        for (const [found] of text.matchAll(pattern)) {
          const link = found.replaceAll("&amp;", "&");
          if (!seen.has(link)) {
            seen.add(link);
            return link;
          }
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no new mail to ${to} with a link to ${pathname} in ${outbox}`);
}

/** Clicks `button` ("Continue with ACME", "Link ACME") and follows the provider to
 * the app's page that `arrived` knows: through the test provider's login and consent
 * pages when it asks (the first time), through none when it remembers the browser. */
async function throughProvider(page, idp, login, button, arrived) {
  const from = page.url();
  const inApp = (url) => url.href !== from && !url.href.startsWith(idp.issuer) && arrived(url);
  await button.click();
  await page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`) || inApp(url));
  while (page.url().startsWith(`${idp.issuer}/interaction/`)) {
    const before = page.url();
    const loginField = page.locator("input[name=login]").filter(VISIBLE);
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator("input[name=password]").filter(VISIBLE).fill("any password");
      await page.getByRole("button", { name: "Sign-in" }).filter(VISIBLE).click();
    } else {
      await page.getByRole("button", { name: "Continue" }).filter(VISIBLE).click();
    }
    await page.waitForURL((url) => url.href !== before);
  }
  await page.waitForURL(inApp);
}

/**
 * create-next-app's layout loads Geist through next/font/google, which `next build`
 * fetches from fonts.googleapis.com; CI reaches only the package registries. Next.js
 * reads the stylesheets from the file NEXT_FONT_GOOGLE_MOCKED_RESPONSES names instead
 * (its own tests' switch), and each family's font file comes from a local HTTP server
 * serving a font of this machine. The app's files stay as create-next-app wrote them.
 * Returns the file's path.
 */
async function offlineGoogleFonts(work) {
  // Any /usr/share/fonts/truetype/*/*.ttf: what .ci/run checks before installing one.
  const root = "/usr/share/fonts/truetype";
  const font = (existsSync(root) ? readdirSync(root) : [])
    .map((dir) => path.join(root, dir))
    .filter((dir) => statSync(dir).isDirectory())
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".ttf")).map((f) => path.join(dir, f)))[0];
  assert.ok(font, "a .ttf font under /usr/share/fonts/truetype/*/ (fonts-dejavu-core) stands in for Google Fonts");
  const bytes = readFileSync(font);
  const server = createServer((_, response) => {
    response.writeHead(200, { "Content-Type": "font/ttf", "Content-Length": bytes.length });
    response.end(bytes);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const fontUrl = `http://127.0.0.1:${server.address().port}/font.ttf`;
  // Turbopack looks the stylesheet URL up in the file's exports: the URLs of the
  // families create-next-app's layout asks for (Geist, Geist Mono), exactly.
  const stylesheets = {};
  for (const family of ["Geist", "Geist Mono"]) {
    const url = `https://fonts.googleapis.com/css2?family=${family.replaceAll(" ", "+")}:wght@100..900&display=swap`;
    stylesheets[url] = `@font-face { font-family: '${family}'; font-style: normal; font-weight: 100 900; font-display: swap; src: url(${fontUrl}) format('truetype'); }`;
  }
  const file = path.join(work, "google-fonts-offline.cjs");
  writeFileSync(file, `module.exports = ${JSON.stringify(stylesheets, null, 2)};\n`);
  return file;
}

/** The words the walk checks each page by: its heading, in each language. */
const WORDS = {
  en: {
    login: "Log in",
    signup: "Create an account",
    settings: "Settings",
    verify: "Verify your email",
    emailSignIn: "Sign in by email",
    emailLink: "Sign in",
    forgot: "Forgot your password?",
    reset: "Choose a new password",
    twoFactor: "Two-step verification",
    oauthFailed: /did not complete|did not work/i,
    passwordTooShort: /at least 8/,
  },
  ja: {
    login: "ログイン",
    signup: "アカウントを作成",
    settings: "設定",
    verify: "メールアドレスの確認",
    emailSignIn: "メールでログイン",
    emailLink: "ログイン",
    forgot: "パスワードをお忘れですか？",
    reset: "新しいパスワードを決める",
    twoFactor: "2 段階認証",
    oauthFailed: /[ぁ-んァ-ン一-龯]/,
    passwordTooShort: /8/,
  },
};

async function main() {
  const started = Date.now();
  mkdirSync(SHOTS, { recursive: true });
  const appPort = await freePort();
  const apiPort = await freePort();
  const localize = (text) => text.replaceAll("localhost:3000", `localhost:${appPort}`).replaceAll("127.0.0.1:8080", `127.0.0.1:${apiPort}`);
  const origin = `http://localhost:${appPort}`;

  // The layout the README assumes: a checkout of Sekisho and the app side by side.
  const work = mkdtempSync(path.join(tmpdir(), "sekisho-fresh-app-"));
  symlinkSync(REPO, path.join(work, "sekisho"));
  cpSync(path.join(import.meta.dirname, "my-app"), path.join(work, "my-app"), { recursive: true });
  const app = path.join(work, "my-app");
  const data = path.join(work, "sekisho-data");
  const outbox = path.join(data, "outbox");
  const oidc = { clientId: "fresh-app", clientSecret: "fresh-app-secret" };
  const idp = await startOidcProvider({ redirectUri: `${origin}/api/v1/auth/callback/acme`, ...oidc });
  groups.add(idp.child.pid);
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
    OIDC_PROVIDERS: "acme",
    OIDC_ACME_ISSUER: idp.issuer,
    OIDC_ACME_CLIENT_ID: oidc.clientId,
    OIDC_ACME_CLIENT_SECRET: oidc.clientSecret,
    OIDC_ACME_NAME: "ACME",
    // `npm start` (next start) listens on PORT; init's .env.local says 127.0.0.1:8080,
    // which the process environment overrides for the free port.
    PORT: String(appPort),
    SEKISHO_INTERNAL_URL: `http://127.0.0.1:${apiPort}`,
  };
  mkdirSync(data);
  env.NEXT_FONT_GOOGLE_MOCKED_RESPONSES = await offlineGoogleFonts(work);

  console.log(`== the generated app: npm ci (${app})`);
  assert.equal(spawnSync("npm", ["ci"], { cwd: app, env, stdio: "inherit" }).status, 0, "npm ci in the generated app failed");

  const blocks = readmeBlocks(readFileSync(README, "utf8"), ["Install", "Quick start"]).map((b) => ({ ...b, text: localize(b.text) }));
  const commands = blocks.filter((b) => !b.file && b.lang === "sh");
  assert.deepEqual(blocks.filter((b) => b.file).map((b) => b.file), [], "the quick start asks nobody to write a file");
  assert.ok(commands.some((b) => /npx @sekisho\/client init/.test(b.text)), "the quick start runs init");

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
      await waitFor(`${origin}/login`, "the app (README's npm run build && npm start)", 600_000);
    }
  }
  assert.ok(sekisho && next, "the README's quick start must start both Sekisho and the app");
  assert.equal(readFileSync(path.join(app, ".env.local"), "utf8"), "SEKISHO_INTERNAL_URL=http://127.0.0.1:8080\n", "init wrote .env.local");
  for (const page of ["login", "signup", "verify-email", "forgot-password", "reset-password", "sign-in/email", "two-factor", "settings"]) {
    assert.ok(existsSync(path.join(app, "app/(sekisho)", page, "page.tsx")), `init wrote ${page}`);
  }

  // The operator's side of the invitation: a management key from Sekisho's own
  // command line, against the same database.
  const made = spawnSync(path.join(REPO, "target/release/sekisho"), ["management-key", "create", "fresh-app", "--scopes", "users:write"], {
    env: { PATH: process.env.PATH, DATABASE_URL: env.DATABASE_URL, DATA_DIR: data },
    stdio: ["ignore", "pipe", "inherit"],
  });
  assert.equal(made.status, 0, "management-key create failed");
  const managementKey = made.stdout.toString().trim();

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    for (const language of ["en", "ja"]) {
      await walk({ browser, language, origin, apiPort, outbox, idp, managementKey });
    }
  } finally {
    await browser.close();
  }
  console.log(`fresh app: ok in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Every link Sekisho sends, followed in a browser whose language is `language`. */
async function walk({ browser, language, origin, apiPort, outbox, idp, managementKey }) {
  console.log(`== Chromium (${language}): every link Sekisho sends`);
  const words = WORDS[language];
  const context = await browser.newContext({ locale: language === "ja" ? "ja-JP" : "en-US" });
  const problems = [];
  const watch = (page) => {
    // The app's pages only: the test provider's own pages load fonts from the internet.
    const onApp = () => page.url().startsWith(origin);
    page.on("console", (message) => {
      if (message.type() === "error" && onApp()) problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => {
      if (onApp()) problems.push(`page error on ${page.url()}: ${error.message}`);
    });
    page.on("response", (response) => {
      if (response.status() === 404 && response.url().startsWith(origin)) problems.push(`404: ${response.url()}`);
    });
  };
  context.on("page", watch);
  const page = await context.newPage();
  const heading = page.locator("h1").filter(VISIBLE);
  const alert = page.locator('[role="alert"][data-code]').filter(VISIBLE);
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${language}-${name}.png`), fullPage: true });
  /** Opens `url` (a link from a mail): the app answers it, and the page's heading says `title`. */
  const open = async (url, title) => {
    assert.ok(url.startsWith(origin), `${url} is the app's`);
    const response = await page.goto(url);
    assert.equal(response?.status(), 200, `${url} answers 200`);
    await heading.filter({ hasText: title }).first().waitFor();
  };
  /** Clicks the visible submit button of the form holding `field`. */
  const submit = (form) => form.locator('button[type="submit"]').filter(VISIBLE).click();
  const seen = new Set();
  const stamp = Date.now();
  const login = `walker-${language}-${stamp}`;
  const email = `${login}@acme.example`;
  const password = "correct horse battery";
  const newPassword = "another staple 2026";

  // A provider sign-in that failed comes back with ?error=: the page says so, in words.
  await open(`${origin}/login?error=OAUTH_FAILED`, words.login);
  assert.equal(await alert.first().getAttribute("data-code"), "OAUTH_FAILED");
  assert.match(await alert.first().innerText(), words.oauthFailed);

  // Sign-up: a password the server refuses is named beside its field, in the language.
  await open(`${origin}/signup`, words.signup);
  const signup = page.locator("form").filter(VISIBLE);
  // Styled as generated, whatever the app's CSS rules do to .module.css files: a
  // field has its border and the button its background.
  const looks = await signup.evaluate((form) => ({
    border: getComputedStyle(form.querySelector('input[name="email"]')).borderTopWidth,
    button: getComputedStyle(form.querySelector('button[type="submit"]')).backgroundColor,
  }));
  assert.equal(looks.border, "1px", "the generated stylesheet reaches the page");
  assert.notEqual(looks.button, "rgba(0, 0, 0, 0)", "the submit button has its background");
  await signup.locator('input[name="email"]').fill(email);
  await signup.locator('input[name="password"]').fill("short");
  await submit(signup);
  await page.locator("#password-error").filter(VISIBLE).waitFor();
  assert.match(await page.locator("#password-error").filter(VISIBLE).innerText(), words.passwordTooShort);
  await signup.locator('input[name="password"]').fill(password);
  await submit(signup);
  await page.waitForURL(`${origin}/settings`);
  await page.getByTestId("signed-in-email").filter({ hasText: email }).waitFor();
  await shot("1-signed-up");

  // 1. The verification mail.
  await open(await mailLink(outbox, email, "/verify-email", seen), words.verify);
  await page.getByRole("status").filter(VISIBLE).waitFor();

  // 2. The sign-in mail: asked for from the login page's own link, opened, one click.
  await page.context().clearCookies();
  await open(`${origin}/login`, words.login);
  await page.locator(`a[href^="/sign-in/email"]`).filter(VISIBLE).click();
  await heading.filter({ hasText: words.emailSignIn }).waitFor();
  const ask = page.locator("#email-ask").filter(VISIBLE);
  await ask.locator('input[name="email"]').fill(email);
  await submit(ask);
  await ask.getByRole("status").waitFor();
  await open(await mailLink(outbox, email, "/sign-in/email", seen), words.emailLink);
  await submit(page.locator("#email-link").filter(VISIBLE));
  await page.waitForURL(`${origin}/settings`);
  await page.getByTestId("signed-in-email").filter({ hasText: email }).waitFor();

  // 3. The reset mail: asked for from the login page's link; the new password signs in.
  await page.context().clearCookies();
  await open(`${origin}/login`, words.login);
  await page.locator('a[href="/forgot-password"]').filter(VISIBLE).click();
  await heading.filter({ hasText: words.forgot }).waitFor();
  const forgot = page.locator("form").filter(VISIBLE);
  await forgot.locator('input[name="email"]').fill(email);
  await submit(forgot);
  await page.getByRole("status").filter(VISIBLE).waitFor();
  await open(await mailLink(outbox, email, "/reset-password", seen), words.reset);
  const reset = page.locator("form").filter(VISIBLE);
  await reset.locator('input[name="newPassword"]').fill(newPassword);
  await submit(reset);
  await page.waitForURL(`${origin}/settings`);
  await page.getByTestId("signed-in-email").filter({ hasText: email }).waitFor();

  // Two-step verification on, in Settings: the QR code, a first code, the recovery codes.
  const twoFactor = page.locator("#two-factor").filter(VISIBLE);
  await twoFactor.locator('#start-two-factor input[name="password"]').fill(newPassword);
  await submit(twoFactor.locator("#start-two-factor"));
  const secret = await twoFactor.getByTestId("totp-secret").innerText();
  assert.equal(await twoFactor.locator("[data-testid=qr] svg").count(), 1, "the QR code is drawn");
  await twoFactor.locator('input[name="code"]').fill(totp(secret));
  await submit(twoFactor.locator("#confirm-two-factor"));
  await twoFactor.getByTestId("recovery-codes").waitFor();
  await shot("2-recovery-codes");

  // 4. The security notice that went out for it: its settings link.
  await open(await mailLink(outbox, email, "/settings", seen), words.settings);
  await page.getByTestId("signed-in-email").filter({ hasText: email }).waitFor();

  // Link the provider in Settings (its login and consent pages), back on Settings.
  const linkAcme = page.locator("#linked-accounts button").filter({ hasText: "ACME" }).filter(VISIBLE);
  await throughProvider(page, idp, login, linkAcme, (url) => url.pathname === "/settings");
  await page.locator("#linked-accounts tr[data-provider=acme]").filter(VISIBLE).waitFor();

  // 5. A provider sign-in of a user with a second factor: Sekisho sends the browser to
  // the app's two-factor page; the next step's code finishes it.
  await page.locator("#signed-in-as button").filter(VISIBLE).click();
  await page.waitForURL(`${origin}/login`);
  const continueWithAcme = page.locator("button").filter({ hasText: "ACME" }).filter(VISIBLE);
  await throughProvider(page, idp, login, continueWithAcme, (url) => url.pathname === "/two-factor");
  await heading.filter({ hasText: words.twoFactor }).waitFor();
  await shot("3-two-factor-after-provider");
  const code = page.locator("form").filter(VISIBLE);
  await code.locator('input[name="code"]').fill(totp(secret, Date.now() / 1000 + 30));
  await submit(code);
  await page.waitForURL(`${origin}/settings`);
  await page.getByTestId("signed-in-email").filter({ hasText: email }).waitFor();

  // 6. An operator's invitation: a set-your-password mail to the new account.
  const invitee = `invited-${language}-${stamp}@example.com`;
  const invited = await fetch(`http://127.0.0.1:${apiPort}/api/v1/admin/users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${managementKey}`, "Content-Type": "application/json", "Accept-Language": language },
    body: JSON.stringify({ email: invitee, sendInvitation: true }),
  });
  assert.equal(invited.status, 201, await invited.text());
  await page.context().clearCookies();
  await open(await mailLink(outbox, invitee, "/reset-password", seen), words.reset);
  const choose = page.locator("form").filter(VISIBLE);
  await choose.locator('input[name="newPassword"]').fill(password);
  await submit(choose);
  await page.waitForURL(`${origin}/settings`);
  await page.getByTestId("signed-in-email").filter({ hasText: invitee }).waitFor();
  await shot("4-invited-and-signed-in");

  // The expected console errors: the short password's 400 only.
  const unexpected = problems.filter((text) => !/status of 400/.test(text));
  assert.deepEqual(unexpected, [], `no 404, no page error, no console error (${language})`);
  assert.equal(problems.length, 1, `the short password's 400 only (${language}): ${problems.join("; ")}`);
  await context.close();
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
