/** The session cookie's name: the server's COOKIE_NAME, told to Next.js as
 * SEKISHO_COOKIE_NAME; `access_token` (the server's default) when unset. */
export function sessionCookieName(): string {
  return process.env.SEKISHO_COOKIE_NAME || "access_token";
}
