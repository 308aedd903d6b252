// A real Sekisho for the client's tests: the binary cargo built (SEKISHO_BIN, else
// target/release or target/debug) on a fresh SQLite file. Absent, the tests that need
// it are skipped with a message, or fail when SEKISHO_REQUIRE_ALL=1 (CI).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../../..");
export const binary = [
  process.env.SEKISHO_BIN,
  join(root, "target/release/sekisho"),
  join(root, "target/debug/sekisho"),
].find((path): path is string => !!path && existsSync(path));
if (!binary && process.env.SEKISHO_REQUIRE_ALL === "1") {
  throw new Error("no Sekisho binary (cargo build first, or SEKISHO_BIN) and SEKISHO_REQUIRE_ALL=1");
}
if (!binary) console.warn("SKIPPED the tests against a real server: no Sekisho binary (cargo build first)");

export const FRONTEND = "http://localhost:3000";

export class LiveServer {
  url = "";
  private child: ChildProcess | undefined;
  private readonly env: Record<string, string>;

  constructor() {
    const work = mkdtempSync(join(tmpdir(), "sekisho-client-"));
    this.env = {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: `sqlite://${work}/auth.db`,
      DATA_DIR: work,
      SECRET_KEY: "client-test-secret-key-long-enough-0123456789",
      FRONTEND_URL: FRONTEND,
      RUST_LOG: "error",
    };
  }

  async start(): Promise<void> {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    this.child = spawn(binary!, ["serve"], { env: { ...this.env, BIND: `127.0.0.1:${port}` }, stdio: "inherit" });
    this.url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("Sekisho did not start");
  }

  stop(): void {
    this.child?.kill();
  }

  /** A management key made by the server's own command line. */
  key(name: string, scopes: string): string {
    return execFileSync(binary!, ["management-key", "create", name, "--scopes", scopes], {
      env: this.env,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  }

  /** Signs `email` up as the app's page would; the session cookie's token. */
  async signUp(email: string): Promise<string> {
    const answer = await fetch(`${this.url}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: FRONTEND },
      body: JSON.stringify({ email, password: "correct horse battery" }),
    });
    if (answer.status !== 201) throw new Error(`sign-up: ${answer.status} ${await answer.text()}`);
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith("access_token="));
    return cookie!.split(";")[0]!.slice("access_token=".length);
  }
}
