// Next.js server side: the session of the incoming request, read once per request in
// Server Components and Route Handlers by asking Sekisho (server to server) with the
// request's own cookie. This is the real check: a revoked session is refused here.
import { cookies, headers } from "next/headers";
import { cache } from "react";

import type { User } from "./client.js";
import { sessionCookieName } from "./cookie-name.js";
import { SekishoError } from "./errors.js";

export interface ServerConfig {
  /** Where this Next.js server reaches Sekisho: SEKISHO_INTERNAL_URL, else
   * NEXT_PUBLIC_API_URL. */
  url: string;
  timeoutMs: number;
}

export function serverConfig(): ServerConfig {
  const url = process.env.SEKISHO_INTERNAL_URL || process.env.NEXT_PUBLIC_API_URL;
  if (!url) {
    throw new Error(
      "@sekisho/client/next: set SEKISHO_INTERNAL_URL (or NEXT_PUBLIC_API_URL) to the Sekisho server's URL, e.g. http://127.0.0.1:8080",
    );
  }
  return {
    url: url.replace(/\/+$/, ""),
    timeoutMs: Number(process.env.SEKISHO_TIMEOUT_MS) || 10_000,
  };
}

export interface ServerSession {
  user: User;
}

/**
 * The signed-in user of this request, or null. One call to /api/v1/auth/me per
 * request however many components ask (React `cache`); a request without the
 * cookie costs no call. Throws SekishoError when Sekisho cannot say (down, timeout).
 */
export const getSession = cache(async (): Promise<ServerSession | null> => {
  // cookies() first: it is what marks the page as rendered per request.
  const jar = await cookies();
  const cookieName = sessionCookieName();
  const session = jar.get(cookieName);
  if (!session?.value) return null;
  const config = serverConfig();
  const incoming = await headers();
  const forward: Record<string, string> = {
    // Only the session cookie: the app's other cookies are none of the API's business.
    Cookie: `${cookieName}=${session.value}`,
    Accept: "application/json",
  };
  const language = incoming.get("accept-language");
  if (language) forward["Accept-Language"] = language;
  const user = await fetchMe(config, forward);
  return user ? { user } : null;
});

async function fetchMe(config: ServerConfig, forward: Record<string, string>): Promise<User | null> {
  let response: Response;
  try {
    response = await fetch(`${config.url}/api/v1/auth/me`, {
      headers: forward,
      cache: "no-store",
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
    throw new SekishoError(
      0,
      timedOut ? "TIMEOUT" : "NETWORK_ERROR",
      timedOut ? `No answer from ${config.url} within ${config.timeoutMs} ms` : `Cannot reach ${config.url}`,
      { cause },
    );
  }
  if (response.status === 401) return null;
  if (!response.ok) throw await SekishoError.fromResponse(response);
  try {
    const body = (await response.json()) as { user?: User };
    if (body.user) return body.user;
  } catch (cause) {
    throw new SekishoError(response.status, "BAD_RESPONSE", "The answer of /me is not JSON", { cause });
  }
  throw new SekishoError(response.status, "BAD_RESPONSE", "The answer of /me has no user");
}
