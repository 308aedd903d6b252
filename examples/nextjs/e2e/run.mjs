// The example in a real Chromium against a real release Sekisho, in each way a team
// deploys it: cross-origin (app and API on two ports of localhost), same-origin
// through the package's Route Handler proxy, and same-origin through rewrites().
//
//   node e2e/run.mjs [cross|proxy|rewrites ...]   (default: all three)
//
// Screenshots of every step go to target/screenshots/nextjs/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { chromium } from "playwright-core";

import {
  buildExample,
  CHROMIUM_ARGS,
  managementKey,
  chromiumPath,
  freePort,
  lastMailLink,
  REPO,
  startExample,
  startOidcProvider,
  startSekisho,
  stopAll,
  totp,
  waitForMailLink,
  waitForSignInCode,
} from "./harness.mjs";
import { startGitHub } from "./github-stand-in.mjs";

const SHOTS = path.join(REPO, "target/screenshots/nextjs");
mkdirSync(SHOTS, { recursive: true });

const MODES = {
  cross: { build: (api) => ({ NEXT_PUBLIC_API_URL: `http://localhost:${api.port}` }), sekisho: {} },
  proxy: { build: () => ({}), sekisho: { TRUSTED_PROXIES: "127.0.0.1,::1" } },
  rewrites: { build: (api) => ({ SEKISHO_USE_REWRITES: "1", SEKISHO_INTERNAL_URL: api.url }), sekisho: {} },
};

// The test OpenID provider's client at Sekisho, as `acme` ("Continue with ACME").
const OIDC_CLIENT = { clientId: "sekisho-e2e", clientSecret: "sekisho-e2e-secret" };

/** Only what is on screen. Under cacheComponents Next.js keeps the pages a browser
 * left in the DOM, hidden (React <Activity>), to restore them on "back"; and while a
 * Suspense boundary's content streams in, React holds it in a hidden node. */
const VISIBLE = { visible: true };
/** The element with `testId` that is on screen. */
const shown = (page, testId) => page.getByTestId(testId).filter(VISIBLE);

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "another staple 2026";

/** Waits up to ten seconds for an event in the app's webhook log that `matches`. */
async function waitForWebhook(log, matches) {
  for (let i = 0; i < 100; i++) {
    if (existsSync(log)) {
      const found = readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line)).find(matches);
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching webhook in ${log}`);
}

async function runMode(mode) {
  const started = Date.now();
  const appPort = await freePort();
  const app = `http://localhost:${appPort}`;
  // Where browsers reach Sekisho: its own port cross-origin, else the app's origin
  // (the provider's redirect comes back through the proxy or the rewrite).
  const apiPort = await freePort();
  const publicOrigin = mode === "cross" ? `http://localhost:${apiPort}` : app;
  const idp = await startOidcProvider({ redirectUri: `${publicOrigin}/api/v1/auth/callback/acme`, ...OIDC_CLIENT });
  const github = await startGitHub({ id: 583231, login: `octo-${mode}`, name: "Octo Cat", email: `octo-${mode}@github.example` });
  const api = await startSekisho({
    appOrigin: app,
    port: apiPort,
    extra: {
      ...MODES[mode].sekisho,
      PUBLIC_ORIGIN: publicOrigin,
      OIDC_PROVIDERS: "acme",
      OIDC_ACME_ISSUER: idp.issuer,
      OIDC_ACME_CLIENT_ID: OIDC_CLIENT.clientId,
      OIDC_ACME_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
      OIDC_ACME_NAME: "ACME",
      ...github.env,
    },
  });
  const distDir = `.next-${mode}`;
  const buildMs = buildExample(distDir, MODES[mode].build(api));
  // The app's webhook Route Handler, registered as an endpoint with a management key;
  // the secret Sekisho shows once goes into the app's environment.
  const hooks = await fetch(`${api.url}/api/v1/admin/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${managementKey(api, "nextjs-app", "webhooks:write")}`, "content-type": "application/json" },
    body: JSON.stringify({ url: `http://127.0.0.1:${appPort}/webhooks/sekisho`, events: ["user.created", "user.email_verified"] }),
  });
  assert.equal(hooks.status, 201);
  const webhookLog = path.join(api.dir, "webhooks.jsonl");
  const next = await startExample(distDir, appPort, {
    SEKISHO_INTERNAL_URL: api.url,
    SEKISHO_WEBHOOK_SECRET: (await hooks.json()).secret,
    SEKISHO_WEBHOOK_LOG: webhookLog,
  });

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  let step = 0;
  const shot = async (page, name) => {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${mode}-${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
  };
  const email = `e2e-${mode}@example.com`;
  try {
    const a = await (await browser.newContext()).newPage();

    // Sign up: a too-short password first, whose error shows next to its field.
    await a.goto(`${app}/signup`);
    // The brand is outlines (no CJK font needed), and the page has an icon that loads.
    assert.equal(await a.locator("header .brand svg[aria-label='関所']").filter(VISIBLE).count(), 1);
    const icon = await a.locator("link[rel='icon']").first().getAttribute("href");
    assert.ok(icon, "an icon link");
    const iconAnswer = await a.request.get(new URL(icon, `${app}/`).toString());
    assert.equal(iconAnswer.status(), 200);
    assert.match(iconAnswer.headers()["content-type"], /image\/svg\+xml/);
    await a.getByLabel("Name (optional)").fill("田中太郎");
    await a.getByLabel("Email").filter(VISIBLE).fill(email);
    await a.getByLabel(/^Password/).filter(VISIBLE).fill("short");
    await a.getByRole("button", { name: "Sign up" }).filter(VISIBLE).click();
    await a.locator("#password-error").filter(VISIBLE).waitFor();
    assert.match(await a.locator("#password-error").filter(VISIBLE).innerText(), /at least 8/);
    await shot(a, "signup-field-error");
    await a.getByLabel(/^Password/).filter(VISIBLE).fill(PASSWORD);
    await a.getByRole("button", { name: "Sign up" }).filter(VISIBLE).click();
    await a.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(a, "email").innerText(), email);
    await shot(a, "dashboard");

    // The sign-up reached the app's webhook Route Handler, verified.
    const received = await waitForWebhook(webhookLog, (e) => e.type === "user.created" && e.data.email === email);
    assert.match(received.id, /^msg_/);
    assert.equal(received.data.name, "田中太郎");

    // A reload keeps the session (the Server Component asks Sekisho with the cookie).
    await a.reload();
    assert.equal(await shown(a, "email").innerText(), email);

    // The sign-up mailed a verification link. Until it is opened the dashboard says
    // so, with a resend button that never claims a mail went out and then waits.
    assert.equal(await shown(a, "verified").innerText(), "no");
    const firstLink = await waitForMailLink(api.outbox, "verify-email");
    const banner = shown(a, "unverified");
    await banner.getByTestId("resend").click();
    await banner.getByRole("status").filter(VISIBLE).waitFor();
    assert.match(await banner.getByRole("status").filter(VISIBLE).innerText(), /If the address still needs verifying/);
    assert.ok(await banner.getByTestId("resend").isDisabled(), "the resend button waits out the minute");
    assert.match(await banner.getByTestId("resend").innerText(), /in \d+ s/);
    await shot(a, "unverified-banner");
    // Within the minute Sekisho sends no second mail: the newest link is still the first.
    const verifyLink = await waitForMailLink(api.outbox, "verify-email");
    assert.equal(verifyLink, firstLink);
    assert.ok(verifyLink.startsWith(`${app}/verify-email?token=`), verifyLink);
    await a.goto(verifyLink);
    await a.getByRole("status").filter(VISIBLE).waitFor();
    await shot(a, "email-verified");
    await a.goto(`${app}/dashboard`);
    assert.equal(await shown(a, "verified").innerText(), "yes");
    assert.equal(await shown(a, "unverified").count(), 0);

    // A second browser: the guard sends it to /login with next=, and back after.
    const b = await (await browser.newContext()).newPage();
    await b.goto(`${app}/dashboard`);
    await b.waitForURL(/\/login\?next=%2Fdashboard/);
    await b.getByLabel("Email").filter(VISIBLE).fill(email);
    await b.getByLabel("Password").filter(VISIBLE).fill("wrong password!");
    await b.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await b.locator("p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await b.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "INVALID_CREDENTIALS");
    await shot(b, "login-wrong-password");
    await b.getByLabel("Password").filter(VISIBLE).fill(PASSWORD);
    await b.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await b.waitForURL(`${app}/dashboard`);

    // The first browser revokes the second one's session on "my sessions".
    await a.goto(`${app}/sessions`);
    await a.locator("tr[data-current=no]").filter(VISIBLE).waitFor();
    assert.equal(await a.locator("tbody tr").filter(VISIBLE).count(), 2);
    await shot(a, "sessions-two");
    await a.locator("tr[data-current=no]").filter(VISIBLE).getByRole("button", { name: "Revoke" }).filter(VISIBLE).click();
    await a.getByText("No other sessions").filter(VISIBLE).waitFor();
    await shot(a, "sessions-revoked");

    // The second browser still has its cookie; its next navigation lands on /login.
    await b.goto(`${app}/dashboard`);
    await b.waitForURL(/\/login\?next=%2Fdashboard/);
    await shot(b, "revoked-lands-on-login");

    // Forgot / reset through the file outbox.
    await b.goto(`${app}/forgot-password`);
    await b.getByLabel("Email").filter(VISIBLE).fill(email);
    await b.getByRole("button", { name: "Send the link" }).filter(VISIBLE).click();
    await b.getByRole("status").filter(VISIBLE).waitFor();
    await shot(b, "forgot-sent");
    const link = await waitForMailLink(api.outbox, "reset-password");
    assert.ok(link.startsWith(`${app}/reset-password?token=`), link);
    await b.goto(link);
    await b.getByLabel(/^New password/).filter(VISIBLE).fill(NEW_PASSWORD);
    await shot(b, "reset-form");
    await b.getByRole("button", { name: "Set the new password" }).filter(VISIBLE).click();
    // The reset signs this browser in.
    await b.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(b, "email").innerText(), email);
    // A reset revokes every other session: the first browser is signed out.
    await a.goto(`${app}/dashboard`);
    await a.waitForURL(/\/login/);

    // Log out, and in again with the new password.
    await b.getByRole("button", { name: "Log out" }).filter(VISIBLE).click();
    await b.waitForURL(/\/login/);
    await b.getByLabel("Email").filter(VISIBLE).fill(email);
    await b.getByLabel("Password").filter(VISIBLE).fill(NEW_PASSWORD);
    await b.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await b.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(b, "email").innerText(), email);

    // Withdraw: a wrong confirmation first, then the right one.
    await b.goto(`${app}/settings`);
    const withdraw = b.locator("#withdraw").filter(VISIBLE);
    await withdraw.getByLabel("Password").filter(VISIBLE).fill("not my password");
    await withdraw.getByRole("button", { name: "Delete my account" }).filter(VISIBLE).click();
    await withdraw.locator("p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await withdraw.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "INVALID_PASSWORD");
    await shot(b, "withdraw-wrong-password");
    await withdraw.getByLabel("Password").filter(VISIBLE).fill(NEW_PASSWORD);
    await withdraw.getByRole("button", { name: "Delete my account" }).filter(VISIBLE).click();
    await b.waitForURL(/\/login\?withdrawn=1/);
    await shot(b, "withdrawn");
    await b.getByLabel("Email").filter(VISIBLE).fill(email);
    await b.getByLabel("Password").filter(VISIBLE).fill(NEW_PASSWORD);
    await b.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await b.locator("p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await b.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "INVALID_CREDENTIALS");

    // "Continue with ACME": the provider's own login and consent pages, then back on
    // the dashboard, signed in as a new user whose email the provider verified.
    const c = await (await browser.newContext()).newPage();
    await c.goto(`${app}/login`);
    await c.getByRole("button", { name: "Continue with ACME" }).filter(VISIBLE).click();
    await c.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`));
    await c.locator("input[name=login]").filter(VISIBLE).fill(`acme-${mode}`);
    await c.locator("input[name=password]").filter(VISIBLE).fill("any password");
    await shot(c, "provider-login");
    await c.getByRole("button", { name: "Sign-in" }).filter(VISIBLE).click();
    await c.getByRole("button", { name: "Continue" }).filter(VISIBLE).click();
    await c.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(c, "email").innerText(), `acme-${mode}@acme.example`);
    assert.equal(await shown(c, "verified").innerText(), "yes");
    await shot(c, "social-dashboard");
    // Settings lists the linked provider; unlinking the only way to sign in is refused.
    await c.goto(`${app}/settings`);
    const linked = c.locator("#linked-accounts tr[data-provider=acme]").filter(VISIBLE);
    await linked.waitFor();
    assert.match(await linked.innerText(), new RegExp(`acme-${mode}@acme.example`));
    await linked.getByRole("button", { name: "Unlink" }).filter(VISIBLE).click();
    await c.locator("#linked-accounts p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await c.locator("#linked-accounts p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "LAST_SIGN_IN_METHOD");
    await shot(c, "social-unlink-refused");
    // A callback with no sign-in pending (a replay, the back button) in a signed-in
    // browser goes on to the app...
    await c.goto(`${publicOrigin}/api/v1/auth/callback/acme?code=forged&state=forged`);
    await c.waitForURL((url) => url.pathname === "/");
    // ...and in a signed-out one comes back as ?error= on the login page, never a JSON page.
    const d = await (await browser.newContext()).newPage();
    await d.goto(`${publicOrigin}/api/v1/auth/callback/acme?code=forged&state=forged`);
    await d.waitForURL(/\/login\?error=OAUTH_FAILED/);
    assert.equal(await d.locator("p[role=alert]").filter(VISIBLE).first().getAttribute("data-code"), "OAUTH_FAILED");
    await shot(d, "social-refused");
    await d.context().close();

    await passkeys({ browser, app, mode, shot });
    await emailSignInAndAccount({ browser, app, api, mode, shot });

    // "Continue with GitHub" (shown because GITHUB_CLIENT_ID is set): the stand-in's
    // authorize page, then the dashboard as the GitHub user's verified primary address.
    const g = await (await browser.newContext()).newPage();
    await g.goto(`${app}/login`);
    await g.getByRole("button", { name: "Continue with GitHub" }).filter(VISIBLE).click();
    await g.waitForURL((url) => url.href.startsWith(`${github.url}/login/oauth/authorize`));
    await shot(g, "github-authorize");
    await g.locator("#authorize").click();
    await g.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(g, "email").innerText(), `octo-${mode}@github.example`);
    assert.equal(await shown(g, "verified").innerText(), "yes");
    await shot(g, "github-dashboard");
    await g.context().close();

    // Sekisho goes down: the pages say so instead of crashing or hanging.
    await a.goto(`${app}/signup`);
    await a.getByLabel("Email").filter(VISIBLE).fill(`down-${mode}@example.com`);
    await a.getByLabel(/^Password/).filter(VISIBLE).fill(PASSWORD);
    await a.getByRole("button", { name: "Sign up" }).filter(VISIBLE).click();
    await a.waitForURL(`${app}/dashboard`);
    api.child.kill("SIGTERM");
    await new Promise((resolve) => api.child.once("exit", resolve));
    await a.goto(`${app}/dashboard`);
    await a.locator("p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await a.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "NETWORK_ERROR");
    await shot(a, "dashboard-server-down");
    await a.goto(`${app}/login`);
    await a.getByLabel("Email").filter(VISIBLE).fill(email);
    await a.getByLabel("Password").filter(VISIBLE).fill(PASSWORD);
    await a.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await a.locator("p[role=alert]").filter(VISIBLE).waitFor();
    const code = await a.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code");
    // Cross-origin the browser cannot connect; through the proxy it gets our 503; through
    // rewrites Next.js answers its own 500 page.
    const expected = { cross: "NETWORK_ERROR", proxy: "SERVICE_UNAVAILABLE", rewrites: "BAD_RESPONSE" }[mode];
    assert.equal(code, expected);
    await shot(a, "login-server-down");

    // Same-origin only (its Sekisho URL is read at run time): a Sekisho that requires
    // verified addresses, on the same port.
    if (mode === "proxy") await verificationRequired({ browser, app, apiPort, publicOrigin, shot });
    if (mode === "proxy") await secondFactor({ browser, app, apiPort, publicOrigin, shot });
  } finally {
    await browser.close();
    next.kill("SIGTERM");
    api.child.kill("SIGTERM");
    idp.child.kill("SIGTERM");
    github.close();
  }
  console.log(`e2e ${mode}: passed (${step} screenshots; build ${(buildMs / 1000).toFixed(0)} s, total ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** Sign-in by email with the code, the profile, a change of address through its
 * link, then sign-in by email with the link. */
async function emailSignInAndAccount({ browser, app, api, mode, shot }) {
  const address = `e2e-mail-${mode}@example.com`;
  const moved = `e2e-moved-${mode}@example.com`;
  const e = await (await browser.newContext()).newPage();
  await e.goto(`${app}/login`);
  await e.getByRole("link", { name: "Sign in with an email link or code" }).filter(VISIBLE).click();
  await e.waitForURL(/\/sign-in\/email/);
  await e.getByLabel("Email").filter(VISIBLE).fill(address);
  await e.getByRole("button", { name: "Email me a link and a code" }).filter(VISIBLE).click();
  await e.locator("#email-ask [role=status]").filter(VISIBLE).waitFor();
  const code = await waitForSignInCode(api.outbox, address);
  // A wrong code first: its error shows, and the right one still works.
  await e.getByLabel("Code").filter(VISIBLE).fill(code === "000000" ? "111111" : "000000");
  await e.getByRole("button", { name: "Sign in with the code" }).filter(VISIBLE).click();
  await e.locator("#email-code p[role=alert]").filter(VISIBLE).waitFor();
  assert.equal(await e.locator("#email-code p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "INVALID_CODE");
  await shot(e, "email-code-wrong");
  await e.getByLabel("Code").filter(VISIBLE).fill(code);
  await e.getByRole("button", { name: "Sign in with the code" }).filter(VISIBLE).click();
  await e.waitForURL(`${app}/dashboard`);
  assert.equal(await shown(e, "email").innerText(), address);
  assert.equal(await shown(e, "verified").innerText(), "yes");

  // The profile: a name saved, shown again after a reload.
  await e.goto(`${app}/settings`);
  const profile = e.locator("#profile").filter(VISIBLE);
  await profile.getByLabel("Name").fill("メール 花子");
  await profile.getByRole("button", { name: "Save profile" }).click();
  await profile.getByRole("status").waitFor();
  await e.reload();
  assert.equal(await e.locator("#profile").filter(VISIBLE).getByLabel("Name").inputValue(), "メール 花子");

  // A new address: pending until its link is opened, then the account's.
  const before = lastMailLink(api.outbox, "verify-email");
  const changeForm = e.locator("#change-email").filter(VISIBLE);
  await changeForm.getByLabel("New email").fill(moved);
  await changeForm.getByRole("button", { name: "Change email" }).click();
  await changeForm.getByTestId("email-pending").waitFor();
  assert.equal(await changeForm.getByTestId("current-email").innerText(), address);
  await shot(e, "email-change-pending");
  const changeLink = await waitForMailLink(api.outbox, "verify-email", before);
  await e.goto(changeLink);
  await e.getByRole("status").filter(VISIBLE).waitFor();
  await e.goto(`${app}/settings`);
  await e.locator("#change-email").filter(VISIBLE).getByTestId("current-email").waitFor();
  assert.equal(await e.locator("#change-email").filter(VISIBLE).getByTestId("current-email").innerText(), moved);
  await shot(e, "email-changed");

  // Sign-in by email with the link, in another browser, at the new address.
  const f = await (await browser.newContext()).newPage();
  const previous = lastMailLink(api.outbox, "sign-in/email");
  await f.goto(`${app}/sign-in/email`);
  await f.getByLabel("Email").filter(VISIBLE).fill(moved);
  await f.getByRole("button", { name: "Email me a link and a code" }).filter(VISIBLE).click();
  await f.locator("#email-ask [role=status]").filter(VISIBLE).waitFor();
  const link = await waitForMailLink(api.outbox, "sign-in/email", previous);
  assert.ok(link.startsWith(`${app}/sign-in/email?token=`), link);
  await f.goto(link);
  await shot(f, "email-link-page");
  await f.getByRole("button", { name: "Sign in" }).filter(VISIBLE).click();
  await f.waitForURL(`${app}/dashboard`);
  assert.equal(await shown(f, "email").innerText(), moved);
  await e.context().close();
  await f.context().close();
}

/** REQUIRE_EMAIL_VERIFICATION=true: sign-up shows "check your inbox" and signs nobody
 * in; the mailed link signs in the browser that signed up; a login before that is
 * refused with a resend button. */
async function verificationRequired({ browser, app, apiPort, publicOrigin, shot }) {
  const api = await startSekisho({
    appOrigin: app,
    port: apiPort,
    extra: { ...MODES.proxy.sekisho, PUBLIC_ORIGIN: publicOrigin, REQUIRE_EMAIL_VERIFICATION: "true" },
  });
  try {
    const email = "e2e-verify-first@example.com";
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app}/signup`);
    await page.getByLabel("Email").filter(VISIBLE).fill(email);
    await page.getByLabel(/^Password/).filter(VISIBLE).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).filter(VISIBLE).click();
    const inbox = page.getByTestId("check-inbox");
    await inbox.waitFor();
    assert.match(await inbox.innerText(), new RegExp(`sent a link to ${email}`));
    assert.ok(await inbox.getByTestId("resend").isDisabled(), "the resend button waits out the minute of the sign-up mail");
    await shot(page, "check-inbox");
    const session = (await page.context().cookies(app)).find((c) => c.name === "access_token");
    assert.equal(session, undefined, "no session before the address is proven");

    // Another browser cannot log in yet, and is offered a new link.
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${app}/login`);
    await other.getByLabel("Email").filter(VISIBLE).fill(email);
    await other.getByLabel("Password").filter(VISIBLE).fill(PASSWORD);
    await other.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await other.locator("p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await other.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "EMAIL_NOT_VERIFIED");
    assert.doesNotMatch(await other.locator("p[role=alert]").filter(VISIBLE).innerText(), /we have sent/i);
    await other.getByTestId("resend").waitFor();
    await shot(other, "login-unverified");

    // The link, opened in the browser that signed up, signs it in.
    await page.goto(await waitForMailLink(api.outbox, "verify-email"));
    await page.getByRole("status").filter(VISIBLE).waitFor();
    await page.getByRole("button", { name: "Log out" }).filter(VISIBLE).waitFor();
    await page.goto(`${app}/dashboard`);
    assert.equal(await shown(page, "email").innerText(), email);
    assert.equal(await shown(page, "verified").innerText(), "yes");
    await shot(page, "verified-and-signed-in");
  } finally {
    api.child.kill("SIGTERM");
    await new Promise((resolve) => api.child.once("exit", resolve));
  }
}

/** Two-step verification: turned on in Settings with the QR code's key and a first
 * code, the recovery codes shown once; then a login asks for a code, and a recovery
 * code works too. */
async function secondFactor({ browser, app, apiPort, publicOrigin, shot }) {
  const api = await startSekisho({
    appOrigin: app,
    port: apiPort,
    extra: { ...MODES.proxy.sekisho, PUBLIC_ORIGIN: publicOrigin },
  });
  try {
    const email = "e2e-two-factor@example.com";
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app}/signup`);
    await page.getByLabel("Email").filter(VISIBLE).fill(email);
    await page.getByLabel(/^Password/).filter(VISIBLE).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).filter(VISIBLE).click();
    await page.waitForURL(`${app}/dashboard`);

    await page.goto(`${app}/settings`);
    const section = page.locator("#two-factor").filter(VISIBLE);
    await section.locator("#start-two-factor").getByLabel("Password").fill(PASSWORD);
    await section.getByRole("button", { name: "Set up" }).click();
    const secret = await section.getByTestId("totp-secret").innerText();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(await section.locator("[data-testid=qr] svg").count(), 1, "the QR code is drawn");
    await shot(page, "two-factor-setup");
    await section.getByLabel("Code").fill(totp(secret));
    await section.getByRole("button", { name: "Turn on" }).click();
    const saved = section.getByTestId("recovery-codes");
    await saved.waitFor();
    const codes = await saved.locator("code").allInnerTexts();
    assert.equal(codes.length, 10);
    await shot(page, "two-factor-recovery-codes");
    await saved.getByRole("button", { name: "I saved them" }).click();
    assert.match(await section.getByTestId("two-factor-state").innerText(), /^On/);

    // Log out, log in: the password leads to the code page, the code to the dashboard.
    await page.getByRole("button", { name: "Log out" }).filter(VISIBLE).click();
    await page.waitForURL(`${app}/login`);
    await page.getByLabel("Email").filter(VISIBLE).fill(email);
    await page.getByLabel("Password").filter(VISIBLE).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await page.waitForURL(/\/two-factor\?next=%2Fdashboard/);
    // Five minutes old: outside the one-step window either side.
    await page.getByLabel("Code").filter(VISIBLE).fill(totp(secret, Date.now() / 1000 - 300));
    await page.getByRole("button", { name: "Continue" }).filter(VISIBLE).click();
    await page.locator("p[role=alert]").filter(VISIBLE).waitFor();
    assert.equal(await page.locator("p[role=alert]").filter(VISIBLE).getAttribute("data-code"), "INVALID_CODE");
    await shot(page, "two-factor-wrong-code");
    // The first code's step is spent: the next step's code is the one to give.
    await page.getByLabel("Code").filter(VISIBLE).fill(totp(secret, Date.now() / 1000 + 30));
    await page.getByRole("button", { name: "Continue" }).filter(VISIBLE).click();
    await page.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(page, "email").innerText(), email);

    // A recovery code instead of the app.
    await page.getByRole("button", { name: "Log out" }).filter(VISIBLE).click();
    await page.waitForURL(`${app}/login`);
    await page.getByLabel("Email").filter(VISIBLE).fill(email);
    await page.getByLabel("Password").filter(VISIBLE).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).filter(VISIBLE).click();
    await page.waitForURL(/\/two-factor/);
    // One field for both: the page tells a recovery code from the app's code.
    await page.getByLabel("Code").filter(VISIBLE).fill(codes[0]);
    await page.getByRole("button", { name: "Continue" }).filter(VISIBLE).click();
    await page.waitForURL(`${app}/dashboard`);
    await shot(page, "two-factor-recovery-code-signed-in");

    // A passkey is two factors in one: its sign-in asks for no code.
    await virtualAuthenticator(page);
    await addPasskey(page, app, "Laptop");
    await logOutAndUsePasskey(page, app);
    await page.waitForURL(`${app}/dashboard`);
    assert.equal(await shown(page, "email").innerText(), email);
    await shot(page, "two-factor-user-signed-in-with-passkey");
  } finally {
    api.child.kill("SIGTERM");
  }
}

/** Chromium's virtual authenticator (DevTools WebAuthn domain) in `page`'s tab: a
 * platform authenticator with resident keys and user verification that answers at
 * once, in place of a fingerprint or a security key. */
async function virtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}

/** Settings → "Add a passkey" with `name`; waits until it is listed. */
async function addPasskey(page, app, name) {
  await page.goto(`${app}/settings`);
  const section = page.locator("#passkeys").filter(VISIBLE);
  await section.getByTestId("no-passkeys").or(section.getByTestId("passkey")).first().waitFor();
  await section.getByLabel("Name (optional)").fill(name);
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await section.getByTestId("passkey").filter({ hasText: name }).waitFor();
  return section;
}

/** Logs out, then "Sign in with a passkey" on the login page. */
async function logOutAndUsePasskey(page, app) {
  await page.getByRole("button", { name: "Log out" }).filter(VISIBLE).click();
  await page.waitForURL(`${app}/login`);
  // The email field's passkey autofill (conditional mediation) waits in the background,
  // and Chromium's virtual authenticator may answer it before the button is pressed:
  // then the page moves on to the dashboard and the button is gone. Either way a
  // passkey signed in, which is what the callers check next; a refusal (a removed
  // passkey) leaves the page, and the button is pressed as before.
  const pressed = page
    .getByRole("button", { name: "Sign in with a passkey" })
    .filter(VISIBLE)
    .click()
    .then(() => "button");
  const autofilled = page.waitForURL(`${app}/dashboard`).then(() => "autofill");
  // The loser settles later, unobserved: it must not count as an unhandled rejection.
  pressed.catch(() => {});
  autofilled.catch(() => {});
  await Promise.race([pressed, autofilled]);
}

/** Passkeys: one added in Settings with the virtual authenticator (a discoverable
 * credential, as Sekisho asks), a sign-in with it and no password, the session marked
 * as a passkey's; removed, it signs no one in. */
async function passkeys({ browser, app, mode, shot }) {
  const email = `e2e-passkey-${mode}@example.com`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const authenticator = await virtualAuthenticator(page);
  await page.goto(`${app}/signup`);
  await page.getByLabel("Email").filter(VISIBLE).fill(email);
  await page.getByLabel(/^Password/).filter(VISIBLE).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).filter(VISIBLE).click();
  await page.waitForURL(`${app}/dashboard`);

  const section = await addPasskey(page, app, "Virtual authenticator");
  const [credential] = await authenticator.credentials();
  assert.equal(credential.isResidentCredential, true, "a discoverable credential");
  assert.equal(credential.rpId, "localhost", "the app's host is the relying party");
  await shot(page, "passkey-added");

  await logOutAndUsePasskey(page, app);
  await page.waitForURL(`${app}/dashboard`);
  assert.equal(await shown(page, "email").innerText(), email);
  assert.ok((await authenticator.credentials())[0].signCount >= 1, "the authenticator signed");
  await page.goto(`${app}/sessions`);
  const current = page.locator("tr[data-current=yes]").filter(VISIBLE);
  await current.waitFor();
  assert.match(await current.innerText(), /passkey/);
  await shot(page, "passkey-session");

  // Removed at Sekisho, the authenticator's credential signs no one in.
  await page.goto(`${app}/settings`);
  await section.getByTestId("passkey").getByRole("button", { name: "Remove" }).click();
  await section.getByTestId("no-passkeys").waitFor();
  await logOutAndUsePasskey(page, app);
  await page.locator("p[role=alert]").filter(VISIBLE).first().waitFor();
  assert.equal(await page.locator("p[role=alert]").filter(VISIBLE).first().getAttribute("data-code"), "INVALID_CREDENTIALS");
  await shot(page, "passkey-removed-refused");
  await context.close();
}

const modes = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(MODES);
try {
  for (const mode of modes) {
    if (!MODES[mode]) throw new Error(`unknown mode ${mode}: cross, proxy or rewrites`);
    await runMode(mode);
  }
} catch (error) {
  console.error(error);
  stopAll();
  process.exit(1);
}
stopAll();
