// The request hook (Next.js 16 `proxy.ts`, formerly `middleware.ts`). By default an
// optimistic guard: it only looks for the session cookie (present → go on; absent →
// redirect to the login page with `next=`), because a revoked session still has its
// cookie and the page's getSession() asks Sekisho, the real check. With `verify`, it
// also checks the cookie's signature and expiry against Sekisho's JWKS (jose's
// createRemoteJWKSet: the keys are fetched once and cached, no call per request): a
// forged, foreign or expired cookie is sent to the login page at the edge. A revocation
// is still seen only at the next getSession().
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
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

export interface VerifyOptions {
  /** Sekisho's JWT_ISSUER (its PUBLIC_ORIGIN, else its FRONTEND_URL). */
  issuer: string;
  /** Sekisho's JWT_AUDIENCE; default `sekisho`. */
  audience?: string;
  /** Default `${SEKISHO_INTERNAL_URL}/.well-known/jwks.json`. */
  jwksUrl?: string;
}

type Guard = (request: NextRequest) => NextResponse;
type VerifyingGuard = (request: NextRequest) => Promise<NextResponse>;

export function createAuthGuard(options: GuardOptions & { verify: VerifyOptions }): VerifyingGuard;
export function createAuthGuard(options: GuardOptions): Guard;
export function createAuthGuard(options: GuardOptions & { verify?: VerifyOptions }): Guard | VerifyingGuard {
  const loginPath = options.loginPath ?? "/login";
  const isProtected = (pathname: string) =>
    options.protect.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  const toLogin = (request: NextRequest) => {
    const { pathname, search } = request.nextUrl;
    const login = request.nextUrl.clone();
    login.pathname = loginPath;
    login.search = `?next=${encodeURIComponent(pathname + search)}`;
    return NextResponse.redirect(login);
  };
  const cookieOf = (request: NextRequest) =>
    request.cookies.get(options.cookieName ?? sessionCookieName())?.value;

  const verify = options.verify;
  if (!verify) {
    return function guard(request: NextRequest): NextResponse {
      if (!isProtected(request.nextUrl.pathname) || cookieOf(request)) return NextResponse.next();
      return toLogin(request);
    };
  }
  const jwksUrl = verify.jwksUrl ?? `${internalUrl()}/.well-known/jwks.json`;
  const keys = createRemoteJWKSet(new URL(jwksUrl));
  return async function verifyingGuard(request: NextRequest): Promise<NextResponse> {
    if (!isProtected(request.nextUrl.pathname)) return NextResponse.next();
    const token = cookieOf(request);
    if (!token) return toLogin(request);
    try {
      await jwtVerify(token, keys, {
        issuer: verify.issuer,
        audience: verify.audience ?? "sekisho",
        algorithms: ["ES256", "EdDSA"],
        requiredClaims: ["sub", "sid", "exp"],
      });
      return NextResponse.next();
    } catch (error) {
      // Sekisho's keys could not be fetched: this guard cannot tell, and the page's
      // getSession() decides, as without `verify`.
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        return NextResponse.next();
      }
      return toLogin(request);
    }
  };
}

function internalUrl(): string {
  const configured = process.env.SEKISHO_INTERNAL_URL;
  if (!configured) {
    throw new Error("createAuthGuard({ verify }): set verify.jwksUrl, or SEKISHO_INTERNAL_URL");
  }
  return configured.replace(/\/+$/, "");
}
