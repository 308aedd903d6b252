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
  it("its admin-client snippet type-checks", () => {
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

  it("its webhook Route Handler is the example's", () => {
    const route = readFileSync(join(here, "../../../examples/nextjs/app/webhooks/sekisho/route.ts"), "utf8");
    expect(snippet("## Webhooks in a Route Handler")).toBe(route);
  });
});
