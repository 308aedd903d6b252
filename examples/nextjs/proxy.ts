// Next.js 16's request hook (called middleware.ts before 16: the same two lines work
// there). Optimistic only: no cookie → /login?next=…; the pages' getSession() makes
// the real check, since a revoked session still has its cookie.
import { createAuthGuard } from "@sekisho/client/next/guard";

export const proxy = createAuthGuard({ protect: ["/dashboard", "/sessions", "/settings"] });

export const config = { matcher: ["/dashboard/:path*", "/sessions/:path*", "/settings/:path*"] };
