#!/usr/bin/env node
// `npx @sekisho/client init`: writes into a Next.js app the pages Sekisho sends people
// to and the pieces around them (the session guard, the /api proxy, .env.local), as
// the app's own code to edit. Plain Node, no dependency: it runs from the package as
// installed.
import { init, InitError, parseArgs, USAGE } from "./init.mjs";

const [command, ...rest] = process.argv.slice(2);
if (command !== "init" || rest.includes("--help") || rest.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(command === "init" || command === "--help" || command === "-h" || command === "help" ? 0 : 2);
}
try {
  await init(parseArgs(rest), { interactive: process.stdin.isTTY === true, log: (line) => console.log(line) });
} catch (error) {
  if (!(error instanceof InitError)) throw error;
  console.error(`sekisho-client init: ${error.message}`);
  process.exit(2);
}
