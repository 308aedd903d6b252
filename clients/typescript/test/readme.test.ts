// What the README tells users to type, held to the code: its admin-client and guard
// snippets compile against the package's types, and its webhook Route Handler is the example's
// file, which the example's end-to-end test runs.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** The ```tsx blocks after `heading`, up to the next `## `. */
function tsxSnippets(heading: string): string[] {
  const start = readme.indexOf(heading);
  const end = readme.indexOf("\n## ", start + heading.length);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```tsx\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

/** What tsc says of `file` (strict, resolving as a Next.js app's bundler does). */
function diagnostics(file: string): string[] {
  const program = ts.createProgram([file], {
    jsx: ts.JsxEmit.ReactJSX,
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
  // A tsc program takes seconds on a busy machine.
  const TSC = { timeout: 60_000 };

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

  it("its guard with verify type-checks", TSC, () => {
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

  it("its account calls type-check", TSC, () => checkCalls("The account, signed in:", "account"));

  it("its second-factor and passkey calls type-check", TSC, () =>
    checkCalls("## Second factors and passkeys", "second-factor"));

  it("its own-pages layout, protected page and sign-out button type-check", TSC, () => {
    const dir = join(here, ".readme-own");
    mkdirSync(dir, { recursive: true });
    const local = (code: string) =>
      code.replaceAll('"@sekisho/client/react"', '"../../src/react.js"').replaceAll('"@sekisho/client/next"', '"../../src/next.js"');
    const [layout, page, button, ...rest] = tsxSnippets("## Your own pages");
    expect(rest).toEqual([]);
    // Next.js generates LayoutProps and takes the CSS import; here they are declared.
    writeFileSync(join(dir, "globals.css.d.ts"), "export {};\n");
    writeFileSync(
      join(dir, "layout.tsx"),
      `type LayoutProps<_ extends string> = { children: import("react").ReactNode };\n${local(layout ?? "").replace('import "./globals.css";', "")}`,
    );
    writeFileSync(join(dir, "page.tsx"), local(page ?? ""));
    writeFileSync(join(dir, "sign-out-button.tsx"), local(button ?? ""));
    try {
      for (const file of ["layout.tsx", "page.tsx"]) expect(diagnostics(join(dir, file)), file).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("its webhook Route Handler is the example's", () => {
    const route = readFileSync(join(here, "../../../examples/nextjs/app/webhooks/sekisho/route.ts"), "utf8");
    expect(snippet("## Webhooks in a Route Handler")).toBe(route);
  });
});
