// The work of `sekisho-client init`, importable so that tests run it in-process.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";

const KIT = path.join(import.meta.dirname, "..", "kit");

export class InitError extends Error {}

/** The pages Sekisho links to (FRONTEND_ROUTES' names) and the two only people link to. */
export const ROUTES = {
  login: { path: "/login", page: "login", key: "login", server: true },
  "verify-email": { path: "/verify-email", page: "verify-email", key: "verifyEmail", server: true },
  "reset-password": { path: "/reset-password", page: "reset-password", key: "resetPassword", server: true },
  "two-factor": { path: "/two-factor", page: "two-factor", key: "twoFactor", server: true },
  settings: { path: "/settings", page: "settings", key: "settings", server: true },
  "sign-in-email": { path: "/sign-in/email", page: "sign-in-email", key: "signInEmail", server: true },
  signup: { path: "/signup", page: "signup", key: "signup", server: false },
  "forgot-password": { path: "/forgot-password", page: "forgot-password", key: "forgotPassword", server: false },
};

export const USAGE = `Usage: npx @sekisho/client init [options]

Writes Sekisho's pages into this Next.js app as its own code: login, signup,
verify-email, forgot-password, reset-password, sign-in/email, two-factor and
settings, their components and stylesheet, the English and Japanese strings
(sekisho/strings.ts), the guard (proxy.ts, or middleware.ts before Next.js 16),
the /api proxy (same-origin) and .env.local entries. A file that exists is left
as it is unless --force.

Options:
  --mode same-origin|cross-origin  same-origin (default): the browser talks only to
                                   the app, whose /api/* Route Handler forwards to
                                   Sekisho; cross-origin: the browser calls Sekisho
  --app-dir app|src/app            where the App Router lives (default: the one that exists)
  --routes <FRONTEND_ROUTES>       the pages' paths, as Sekisho's FRONTEND_ROUTES
                                   (name=/path,...; also signup= and forgot-password=)
  --after-sign-in <path>           where a sign-in lands without ?next= (default: settings)
  --protect <path,...>             more paths the guard keeps signed-out visitors from
  --api-url <url>                  Sekisho as the Next.js server reaches it
                                   (default http://127.0.0.1:8080)
  --app-url <url>                  the app's origin (default http://localhost:3000)
  --dir <path>                     the app (default: the current directory)
  --no-env                         leave .env.local alone
  --force                          overwrite files that exist
  --yes                            ask nothing; defaults for what is not given
`;

/** Reads the command line into options; unknown flags are refused, not ignored. */
export function parseArgs(argv) {
  const options = { protect: [] };
  const takesValue = new Set(["--mode", "--app-dir", "--routes", "--after-sign-in", "--protect", "--api-url", "--app-url", "--dir"]);
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (takesValue.has(flag)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new InitError(`${flag} needs a value`);
      }
      const name = flag.slice(2).replace(/-(\w)/g, (_, c) => c.toUpperCase());
      if (name === "protect") options.protect.push(...value.split(",").map((p) => p.trim()).filter(Boolean));
      else options[name] = value;
    } else if (flag === "--force" || flag === "--yes" || flag === "--no-env") {
      options[flag === "--no-env" ? "noEnv" : flag.slice(2)] = true;
    } else {
      throw new InitError(`unknown option ${argv[i]} (see --help)`);
    }
  }
  return options;
}

/** FRONTEND_ROUTES' format, checked as Sekisho checks it, plus the two client-only names. */
export function parseRoutes(text) {
  const paths = Object.fromEntries(Object.entries(ROUTES).map(([name, route]) => [name, route.path]));
  if (!text) return paths;
  const seen = new Set();
  for (const pair of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf("=");
    const name = eq > 0 ? pair.slice(0, eq).trim() : "";
    const value = eq > 0 ? pair.slice(eq + 1).trim() : "";
    if (!(name in ROUTES)) throw new InitError(`--routes: unknown page "${name || pair}" (known: ${Object.keys(ROUTES).join(", ")})`);
    if (seen.has(name)) throw new InitError(`--routes: ${name} is given twice`);
    seen.add(name);
    if (!/^\/[A-Za-z0-9\-._~/]*$/.test(value) || value.startsWith("//") || value.split("/").includes("..") || value.split("/").includes(".")) {
      throw new InitError(`--routes: ${name}=${value} is not a path like /login`);
    }
    paths[name] = value.length > 1 ? value.replace(/\/+$/, "") : value;
  }
  const taken = new Map();
  for (const [name, value] of Object.entries(paths)) {
    if (taken.has(value)) throw new InitError(`--routes: ${taken.get(value)} and ${name} are both ${value}`);
    taken.set(value, name);
  }
  return paths;
}

function nextMajor(dir) {
  for (const file of [path.join(dir, "node_modules/next/package.json"), path.join(dir, "package.json")]) {
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, "utf8"));
    const version = file.endsWith("next/package.json") ? json.version : (json.dependencies?.next ?? json.devDependencies?.next);
    const major = typeof version === "string" ? Number(version.match(/(\d+)/)?.[1]) : NaN;
    if (Number.isFinite(major)) return major;
  }
  return null;
}

async function ask(question, choices, fallback) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const answer = (await rl.question(`${question} (${choices.join("/")}) [${fallback}] `)).trim();
      if (answer === "") return fallback;
      if (choices.includes(answer)) return answer;
    }
  } finally {
    rl.close();
  }
}

/** The import path from a file in `fromDir` to `target`, as a bundler wants it. */
function importPath(fromDir, target) {
  const relative = path.relative(fromDir, target).split(path.sep).join("/");
  return relative.startsWith(".") ? relative : `./${relative}`;
}

function kitFiles(dir) {
  return readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isFile()).sort();
}

/**
 * Writes the files and returns what it did: `{ written, unchanged, skipped, settings }`,
 * paths relative to the app. `log` gets the report a person reads.
 */
export async function init(options, { interactive = false, log = () => undefined } = {}) {
  const dir = path.resolve(options.dir ?? ".");
  if (!existsSync(path.join(dir, "package.json"))) {
    throw new InitError(`${dir} has no package.json: run this in your Next.js app (or give --dir)`);
  }
  const askable = interactive && !options.yes;

  let mode = options.mode;
  if (!mode && askable) mode = await ask("Does the browser reach Sekisho through the app's /api (same-origin) or directly (cross-origin)?", ["same-origin", "cross-origin"], "same-origin");
  mode ??= "same-origin";
  if (mode !== "same-origin" && mode !== "cross-origin") throw new InitError(`--mode must be same-origin or cross-origin, not ${mode}`);

  let appDir = options.appDir;
  const found = ["src/app", "app"].filter((candidate) => existsSync(path.join(dir, candidate)));
  if (!appDir && askable && found.length !== 1) appDir = await ask("Where is the App Router?", ["app", "src/app"], found[0] ?? "app");
  appDir ??= found[0] ?? "app";
  appDir = appDir.replace(/\/+$/, "");
  if (appDir !== "app" && appDir !== "src/app") throw new InitError(`--app-dir must be app or src/app, not ${appDir}`);

  const routes = parseRoutes(options.routes);
  const afterSignIn = options.afterSignIn ?? routes.settings;
  if (!/^\/[^/]/.test(afterSignIn) && afterSignIn !== "/") throw new InitError(`--after-sign-in must be a path like /dashboard`);
  const apiUrl = (options.apiUrl ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  const appUrl = (options.appUrl ?? "http://localhost:3000").replace(/\/+$/, "");
  for (const [flag, url] of [["--api-url", apiUrl], ["--app-url", appUrl]]) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new InitError(`${flag} must be an http(s) URL, not ${url}`);
  }

  const root = appDir === "src/app" ? "src" : ".";
  const kitDir = path.join(dir, root, "sekisho");
  const groupDir = path.join(dir, appDir, "(sekisho)");
  const major = nextMajor(dir);
  const guardFile = major !== null && major < 16 ? "middleware.ts" : "proxy.ts";

  /** @type {Array<[string, string]>} app-relative path → content */
  const files = [];
  for (const name of kitFiles(path.join(KIT, "sekisho"))) {
    files.push([path.join(root, "sekisho", name), readFileSync(path.join(KIT, "sekisho", name), "utf8")]);
  }
  files.push([path.join(root, "sekisho", "routes.ts"), routesModule(routes, afterSignIn)]);
  const page = (template, target) => {
    const text = readFileSync(path.join(KIT, "pages", `${template}.tsx`), "utf8");
    const from = path.dirname(target);
    files.push([path.relative(dir, target), text.replace(/"@kit\/([\w-]+)"/g, (_, module) => JSON.stringify(importPath(from, path.join(kitDir, module))))]);
  };
  page("layout", path.join(groupDir, "layout.tsx"));
  for (const [name, route] of Object.entries(ROUTES)) {
    page(route.page, path.join(groupDir, ...routes[name].split("/").filter(Boolean), "page.tsx"));
  }
  const protect = [routes.settings, ...options.protect.filter((p) => p !== routes.settings)];
  files.push([path.join(root, guardFile), guardModule(guardFile, protect, routes.login)]);
  if (mode === "same-origin") files.push([path.join(appDir, "api", "[...path]", "route.ts"), ROUTE_HANDLER]);

  const report = { written: [], unchanged: [], skipped: [], mode, appDir, guardFile };
  for (const [relative, content] of files) {
    const target = path.join(dir, relative);
    const shown = relative.split(path.sep).join("/");
    if (existsSync(target)) {
      if (readFileSync(target, "utf8") === content) {
        report.unchanged.push(shown);
        continue;
      }
      if (!options.force) {
        report.skipped.push(shown);
        continue;
      }
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    report.written.push(shown);
  }
  const otherGuard = path.join(dir, root, guardFile === "proxy.ts" ? "middleware.ts" : "proxy.ts");
  const warnings = [];
  if (existsSync(otherGuard)) warnings.push(`${path.relative(dir, otherGuard)} exists too: Next.js ${major ?? "?"} reads ${guardFile}; merge the two.`);

  if (!options.noEnv) {
    const wanted = mode === "same-origin" ? { SEKISHO_INTERNAL_URL: apiUrl } : { NEXT_PUBLIC_API_URL: apiUrl, SEKISHO_INTERNAL_URL: apiUrl };
    const envFile = path.join(dir, ".env.local");
    const before = existsSync(envFile) ? readFileSync(envFile, "utf8") : "";
    const present = new Set(before.split("\n").map((line) => line.match(/^\s*([A-Z0-9_]+)\s*=/)?.[1]).filter(Boolean));
    const missing = Object.entries(wanted).filter(([key]) => !present.has(key));
    if (missing.length > 0) {
      const lines = missing.map(([key, value]) => `${key}=${value}`).join("\n");
      writeFileSync(envFile, `${before}${before && !before.endsWith("\n") ? "\n" : ""}${lines}\n`);
      report.written.push(`.env.local (${missing.map(([key]) => key).join(", ")})`);
    } else {
      report.unchanged.push(".env.local");
    }
  }

  report.settings = serverSettings(mode, appUrl, routes);
  for (const shown of report.written) log(`  wrote      ${shown}`);
  for (const shown of report.unchanged) log(`  unchanged  ${shown}`);
  for (const shown of report.skipped) log(`  kept       ${shown} (it exists and differs; --force to overwrite)`);
  for (const warning of warnings) log(`  note: ${warning}`);
  log("");
  log("Start Sekisho with:");
  log(`  ${report.settings.join(" ")} cargo run --release`);
  log("");
  log(`Then open ${appUrl}${routes.login}. Edit the words in ${path.join(root, "sekisho", "strings.ts").split(path.sep).join("/")}.`);
  return report;
}

/** What Sekisho must be told so that its links and checks fit these pages. */
function serverSettings(mode, appUrl, routes) {
  const settings = [`FRONTEND_URL=${appUrl}`];
  if (mode === "same-origin") settings.push(`PUBLIC_ORIGIN=${appUrl}`, "TRUSTED_PROXIES=127.0.0.1");
  else settings.push(`CORS_ORIGINS=${appUrl}`);
  const changed = Object.entries(ROUTES).filter(([name, route]) => route.server && routes[name] !== route.path);
  if (changed.length > 0) settings.push(`FRONTEND_ROUTES=${changed.map(([name]) => `${name}=${routes[name]}`).join(",")}`);
  return settings;
}

function routesModule(routes, afterSignIn) {
  const lines = Object.entries(ROUTES).map(([name, route]) => `  ${route.key}: ${JSON.stringify(routes[name])},`);
  return `// Written by \`sekisho-client init\`. Sekisho's FRONTEND_ROUTES must name the same
// paths for the pages its mails and redirects open (login, verify-email,
// reset-password, two-factor, settings, sign-in-email); moving a page means moving
// its folder under app/(sekisho)/ too.
export const routes = {
${lines.join("\n")}
  /** Where a sign-in lands when nothing asked for a page. */
  afterSignIn: ${JSON.stringify(afterSignIn)},
};
`;
}

function guardModule(file, protect, loginPath) {
  const hook = file === "proxy.ts" ? "proxy" : "middleware";
  const matcher = protect.map((p) => `${p}/:path*`);
  const login = loginPath === "/login" ? "" : `, loginPath: ${JSON.stringify(loginPath)}`;
  return `// Sends a signed-out visitor of these pages to the login page before rendering.
// Optimistic only (no cookie → login); the pages' own session check is the one that
// counts, since a revoked session still has its cookie.
import { createAuthGuard } from "@sekisho/client/next/guard";

export const ${hook} = createAuthGuard({ protect: ${JSON.stringify(protect)}${login} });

export const config = { matcher: ${JSON.stringify(matcher)} };
`;
}

const ROUTE_HANDLER = `// The API under the app's own origin: every /api/* request goes to Sekisho with the
// visitor's address (set TRUSTED_PROXIES on Sekisho to this server's address).
import { sekishoProxy } from "@sekisho/client/next/proxy";

export const { GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD } = sekishoProxy();
`;
