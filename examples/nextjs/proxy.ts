// Sends a signed-out visitor of these pages to the login page before rendering.
// Optimistic only (no cookie → login); the pages' own session check is the one that
// counts, since a revoked session still has its cookie.
import { createAuthGuard } from "@sekisho/client/next/guard";

export const proxy = createAuthGuard({ protect: ["/settings","/dashboard","/sessions"] });

export const config = { matcher: ["/settings/:path*","/dashboard/:path*","/sessions/:path*"] };
