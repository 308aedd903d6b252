// What the README tells users to type, held to the code: its admin-client snippet
// compiles against the package's types, and its webhook Route Handler is the example's
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

describe("README", () => {
  it("its admin-client snippet type-checks", () => {
    const file = join(here, ".readme-admin.ts");
    const code = snippet("## Your server code")
      .replace('"@sekisho/client/admin"', '"../src/admin.js"')
      .replace(/^(import .*\n)/m, "$1declare const sessionToken: string;\nexport async function run() {\n");
    writeFileSync(file, `${code}\nreturn [user, active, webhook, secret];\n}\n`);
    try {
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        types: ["node"],
        skipLibCheck: true,
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(problems).toEqual([]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("its webhook Route Handler is the example's", () => {
    const route = readFileSync(join(here, "../../../examples/nextjs/app/webhooks/sekisho/route.ts"), "utf8");
    expect(snippet("## Webhooks in a Route Handler")).toBe(route);
  });
});
