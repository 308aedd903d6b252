import type { NextConfig } from "next";

// Same-origin through `rewrites()` is one of the two ways to put the API under the
// app's own origin; the other, which this example uses by default, is the Route
// Handler in app/api/[...path]/route.ts (it forwards the visitor's address, which
// rewrites cannot). SEKISHO_USE_REWRITES=1 at build time switches to rewrites.
const internalUrl = process.env.SEKISHO_INTERNAL_URL ?? "http://127.0.0.1:8080";

const config: NextConfig = {
  // create-next-app's defaults, so that this example proves the client README.
  cacheComponents: true,
  partialPrefetching: true,
  distDir: process.env.NEXT_DIST_DIR || ".next",
  async rewrites() {
    if (process.env.SEKISHO_USE_REWRITES !== "1") return [];
    // beforeFiles: ahead of the Route Handler proxy, which would match /api/* too.
    return { beforeFiles: [{ source: "/api/:path*", destination: `${internalUrl}/api/:path*` }], afterFiles: [], fallback: [] };
  },
};

export default config;
