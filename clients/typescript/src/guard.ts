// The request hook (Next.js 16 `proxy.ts`, formerly `middleware.ts`): an optimistic
// guard. It only looks for the session cookie: present → go on; absent → redirect to
// the login page with `next=`. It does not decide alone, because a revoked or expired
// session still has its cookie until the browser drops it: the page's getSession()
// asks Sekisho and is the real check.
import { type NextRequest, NextResponse } from "next/server";

import { sessionCookieName } from "./cookie-name.js";

export interface GuardOptions {
  /** Path prefixes that need a session, e.g. ["/dashboard", "/settings"]. */
  protect: string[];
  /** Default `/login`. */
  loginPath?: string;
  /** Default SEKISHO_COOKIE_NAME, else `access_token`. */
  cookieName?: string;
}

export function createAuthGuard(options: GuardOptions) {
  const loginPath = options.loginPath ?? "/login";
  return function guard(request: NextRequest): NextResponse {
    const cookieName = options.cookieName ?? sessionCookieName();
    const { pathname, search } = request.nextUrl;
    const isProtected = options.protect.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
    if (!isProtected || request.cookies.get(cookieName)?.value) return NextResponse.next();
    const login = request.nextUrl.clone();
    login.pathname = loginPath;
    login.search = `?next=${encodeURIComponent(pathname + search)}`;
    return NextResponse.redirect(login);
  };
}
