// What the README tells users to type, held to the code: its admin-client and guard
// snippets compile against the package's types, and its webhook Route Handler is the example's
// file, which the example's end-to-end test runs.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import ts from "typescript";
import { describe, expect, it } from "vitest";

const here = resolve(__dirname);
const readme = readFileSync(join(here, "../README.md"), "utf8");

/** The first ```ts block after `heading`. */
function snippet(heading: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const match = section.match(/```ts\n([\s\S]*?)```/);
  if (!match?.[1]) throw new Error(`no ts block under ${heading}`);
  return match[1];
}

/** What tsc says of `file` (strict, resolving as a Next.js app's bundler does). */
function diagnostics(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ["node"],
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("README", () => {
  it("its admin-client snippet type-checks", { timeout: 60_000 }, () => {
    const file = join(here, ".readme-admin.ts");
    const code = snippet("## Your server code")
      .replace('"@sekisho/client/admin"', '"../src/admin.js"')
      .replace(/^(import .*\n)/m, "$1declare const sessionToken: string;\nexport async function run() {\n");
    writeFileSync(file, `${code}\nreturn [user, active, webhook, secret];\n}\n`);
    try {
      expect(diagnostics(file)).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("its guard with verify type-checks", () => {
    const file = join(here, ".readme-guard.ts");
    const code = snippet("With `verify`, the guard");
    writeFileSync(file, `import { createAuthGuard } from "../src/guard.js";\n${code}`);
    try {
      expect(diagnostics(file)).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  // Snippets that call the client: their imports stay at the top, the calls run in a
  // function where the names they take for granted are declared.
  function checkCalls(heading: string, name: string) {
    const file = join(here, `.readme-${name}.ts`);
    const lines = snippet(heading).replaceAll('"@sekisho/client"', '"../src/index.js"').split("\n");
    const imports = lines.filter((line) => line.startsWith("import "));
    const body = lines.filter((line) => !line.startsWith("import "));
    writeFileSync(
      file,
      [
        'import type { SekishoClient } from "../src/index.js";',
        ...imports,
        "declare const sekisho: SekishoClient;",
        "declare const email: string, password: string, typed: string, firstCode: string;",
        "declare const token: string, code: string;",
        "export async function run() {",
        ...body,
        "}",
      ].join("\n"),
    );
    try {
      expect(diagnostics(file)).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  }

  // A tsc program takes seconds on a busy machine.
  const TSC = { timeout: 60_000 };

  it("its account calls type-check", TSC, () => checkCalls("The account, signed in:", "account"));

  it("its second-factor and passkey calls type-check", TSC, () =>
    checkCalls("## Second factors and passkeys", "second-factor"));

  it("its webhook Route Handler is the example's", () => {
    const route = readFileSync(join(here, "../../../examples/nextjs/app/webhooks/sekisho/route.ts"), "utf8");
    expect(snippet("## Webhooks in a Route Handler")).toBe(route);
  });
});
