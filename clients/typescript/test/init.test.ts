// `sekisho-client init` run for real into throwaway apps: what it writes, where, what
// it refuses, and that the example app is exactly its output.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

// @ts-expect-error -- plain JavaScript, run by Node as the package's bin
import { init, InitError, parseArgs, parseRoutes } from "../bin/init.mjs";

const here = resolve(__dirname);
const bin = join(here, "../bin/sekisho-client.mjs");
const example = join(here, "../../../examples/nextjs");
const made: string[] = [];

/** An empty Next.js app: a package.json naming `next` at `version`, and `appDir/`. */
function app(version = "16.4.3", appDir = "app"): string {
  const dir = mkdtempSync(join(tmpdir(), "sekisho-init-"));
  made.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies: { next: version } }));
  mkdirSync(join(dir, appDir), { recursive: true });
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

/** Every relative import in `file` names a file that exists. */
function importsResolve(dir: string, file: string) {
  const text = read(dir, file);
  for (const [, target] of text.matchAll(/from "(\.[^"]+)"/g)) {
    const base = resolve(dirname(join(dir, file)), target!);
    const found = ["", ".ts", ".tsx"].some((ext) => existsSync(base + ext));
    expect(found, `${file} imports ${target}`).toBe(true);
  }
}

const PAGES = ["login", "signup", "verify-email", "forgot-password", "reset-password", "sign-in/email", "two-factor", "settings"];

describe("init", () => {
  it("writes every page, the kit, the guard, the /api proxy and .env.local into a Next.js 16 app", async () => {
    const dir = app();
    const lines: string[] = [];
    const report = await init(parseArgs(["--dir", dir, "--yes"]), { log: (line: string) => lines.push(line) });
    for (const page of PAGES) {
      expect(existsSync(join(dir, `app/(sekisho)/${page}/page.tsx`)), page).toBe(true);
      importsResolve(dir, `app/(sekisho)/${page}/page.tsx`);
    }
    importsResolve(dir, "app/(sekisho)/layout.tsx");
    expect(read(dir, "sekisho/strings.ts")).toContain("const ja: Strings");
    expect(read(dir, "sekisho/routes.ts")).toContain('twoFactor: "/two-factor"');
    expect(read(dir, "sekisho/routes.ts")).toContain('afterSignIn: "/settings"');
    expect(read(dir, "proxy.ts")).toContain("export const proxy = createAuthGuard");
    expect(read(dir, "proxy.ts")).toContain('matcher: ["/settings/:path*"]');
    expect(read(dir, "app/api/[...path]/route.ts")).toContain("sekishoProxy()");
    expect(read(dir, ".env.local")).toBe("SEKISHO_INTERNAL_URL=http://127.0.0.1:8080\n");
    expect(report.skipped).toEqual([]);
    const printed = lines.join("\n");
    expect(printed).toContain("wrote      app/(sekisho)/two-factor/page.tsx");
    expect(printed).toContain(
      "FRONTEND_URL=http://localhost:3000 PUBLIC_ORIGIN=http://localhost:3000 TRUSTED_PROXIES=127.0.0.1 cargo run --release",
    );
    expect(printed).not.toContain("FRONTEND_ROUTES");
  });

  it("never overwrites a file without --force, and adds only missing .env.local entries", async () => {
    const dir = app();
    writeFileSync(join(dir, ".env.local"), "SEKISHO_INTERNAL_URL=http://10.0.0.5:8080\nOTHER=1");
    await init(parseArgs(["--dir", dir, "--yes"]));
    writeFileSync(join(dir, "app/(sekisho)/login/page.tsx"), "// mine\n");
    const again = await init(parseArgs(["--dir", dir, "--yes"]));
    expect(again.skipped).toEqual(["app/(sekisho)/login/page.tsx"]);
    expect(again.written).toEqual([]);
    expect(read(dir, "app/(sekisho)/login/page.tsx")).toBe("// mine\n");
    expect(read(dir, ".env.local")).toBe("SEKISHO_INTERNAL_URL=http://10.0.0.5:8080\nOTHER=1");
    const forced = await init(parseArgs(["--dir", dir, "--yes", "--force"]));
    expect(forced.written).toEqual(["app/(sekisho)/login/page.tsx"]);
    expect(read(dir, "app/(sekisho)/login/page.tsx")).toContain("export default function LoginPage");
  });

  it("puts the pages where --routes says and prints the FRONTEND_ROUTES Sekisho needs", async () => {
    const dir = app();
    const lines: string[] = [];
    await init(
      parseArgs(["--dir", dir, "--yes", "--routes", "login=/auth/login,settings=/account,signup=/auth/join", "--app-url", "https://app.example.com"]),
      { log: (line: string) => lines.push(line) },
    );
    expect(existsSync(join(dir, "app/(sekisho)/auth/login/page.tsx"))).toBe(true);
    expect(existsSync(join(dir, "app/(sekisho)/auth/join/page.tsx"))).toBe(true);
    expect(existsSync(join(dir, "app/(sekisho)/account/page.tsx"))).toBe(true);
    expect(existsSync(join(dir, "app/(sekisho)/login/page.tsx"))).toBe(false);
    importsResolve(dir, "app/(sekisho)/auth/login/page.tsx");
    expect(read(dir, "sekisho/routes.ts")).toContain('login: "/auth/login"');
    expect(read(dir, "sekisho/routes.ts")).toContain('afterSignIn: "/account"');
    expect(read(dir, "proxy.ts")).toContain('createAuthGuard({ protect: ["/account"], loginPath: "/auth/login" })');
    // signup= is the app's own business: Sekisho never links to it.
    expect(lines.join("\n")).toContain(
      "FRONTEND_URL=https://app.example.com PUBLIC_ORIGIN=https://app.example.com TRUSTED_PROXIES=127.0.0.1 FRONTEND_ROUTES=login=/auth/login,settings=/account cargo run --release",
    );
  });

  it("writes middleware.ts before Next.js 16, and under src/ for a src/app app", async () => {
    const dir = app("15.5.0", "src/app");
    const report = await init(parseArgs(["--dir", dir, "--yes"]));
    expect(report.guardFile).toBe("middleware.ts");
    expect(read(dir, "src/middleware.ts")).toContain("export const middleware = createAuthGuard");
    expect(existsSync(join(dir, "src/sekisho/forms.tsx"))).toBe(true);
    importsResolve(dir, "src/app/(sekisho)/sign-in/email/page.tsx");
  });

  it("cross-origin: no /api proxy; the browser's address of Sekisho in .env.local; CORS on the server", async () => {
    const dir = app();
    const lines: string[] = [];
    await init(parseArgs(["--dir", dir, "--yes", "--mode", "cross-origin", "--api-url", "https://auth.example.com/"]), {
      log: (line: string) => lines.push(line),
    });
    expect(existsSync(join(dir, "app/api"))).toBe(false);
    expect(read(dir, ".env.local")).toBe("NEXT_PUBLIC_API_URL=https://auth.example.com\nSEKISHO_INTERNAL_URL=https://auth.example.com\n");
    expect(lines.join("\n")).toContain("FRONTEND_URL=http://localhost:3000 CORS_ORIGINS=http://localhost:3000 cargo run");
  });

  it("refuses what Sekisho would refuse, and flags it does not know", () => {
    for (const bad of ["account=/x", "login=login", "login=//evil.example", "login=/a/../b", "login=/a?b", "login=/a,login=/b", "login=/signup"]) {
      expect(() => parseRoutes(bad), bad).toThrow(InitError);
    }
    expect(parseRoutes("two-factor=/mfa/")["two-factor"]).toBe("/mfa");
    expect(() => parseArgs(["--dry"])).toThrow(/unknown option --dry/);
    expect(() => parseArgs(["--mode"])).toThrow(/needs a value/);
  });

  it("refuses a bad --app-dir, --after-sign-in, --api-url or --app-url with the flag named, writing nothing", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--app-dir", "pages"], /--app-dir must be app or src\/app/],
      [["--after-sign-in", "dashboard"], /--after-sign-in must be a path/],
      [["--after-sign-in", "//evil.example"], /--after-sign-in must be a path/],
      [["--api-url", "ftp://auth.example"], /--api-url must be an http\(s\) URL/],
      [["--app-url", "localhost:3000"], /--app-url must be an http\(s\) URL/],
    ];
    for (const [flags, message] of cases) {
      const dir = app();
      await expect(init(parseArgs(["--dir", dir, "--yes", ...flags])), flags.join(" ")).rejects.toThrow(message);
      expect(existsSync(join(dir, "sekisho")), flags.join(" ")).toBe(false);
    }
  });

  it("says so when the app has the other guard file too, and leaves it alone", async () => {
    const dir = app();
    writeFileSync(join(dir, "middleware.ts"), "// mine\n");
    const lines: string[] = [];
    await init(parseArgs(["--dir", dir, "--yes"]), { log: (line: string) => lines.push(line) });
    expect(lines.join("\n")).toContain("note: middleware.ts exists too: Next.js 16 reads proxy.ts; merge the two.");
    expect(read(dir, "middleware.ts")).toBe("// mine\n");
  });

  it("knows the server's default pages, as docs/configuration.md lists FRONTEND_ROUTES' default", () => {
    const table = readFileSync(join(here, "../../../docs/configuration.md"), "utf8");
    const documented = table.match(/^\| `FRONTEND_ROUTES` \| `([^`]+)`/m)?.[1];
    expect(documented).toBeTruthy();
    const defaults = parseRoutes(undefined);
    const server = Object.fromEntries((documented ?? "").split(",").map((pair) => pair.split("=")));
    for (const [name, path] of Object.entries(server)) expect(defaults[name], name).toBe(path);
  });

  it("refuses a directory that is not an app", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sekisho-init-"));
    made.push(dir);
    await expect(init(parseArgs(["--dir", dir, "--yes"]))).rejects.toThrow(/no package.json/);
  });

  it("runs as the package's bin: --help, and a clear refusal with exit code 2", () => {
    const help = spawnSync(process.execPath, [bin, "init", "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("npx @sekisho/client init");
    const wrong = spawnSync(process.execPath, [bin, "init", "--mode", "sideways", "--dir", app(), "--yes"], { encoding: "utf8" });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("--mode must be same-origin or cross-origin");
  });

  it("the example app's pages are what init writes (its regenerate script's flags)", async () => {
    const script: string = JSON.parse(read(example, "package.json")).scripts.regenerate;
    const flags = script.slice(script.indexOf(" init ") + " init ".length).split(/\s+/).filter(Boolean);
    const dir = app();
    const report = await init(parseArgs([...flags, "--dir", dir]));
    expect(report.written.length).toBeGreaterThan(20);
    for (const file of report.written) {
      expect(read(example, file), `examples/nextjs/${file} differs from init's: run npm run regenerate there`).toBe(read(dir, file));
    }
  });
});
