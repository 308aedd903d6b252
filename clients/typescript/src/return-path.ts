/**
 * The `next=` of a login link, kept only when it is a path on this site: anything
 * else (`https://evil.example`, `//evil.example`, `/\evil.example`, `javascript:`)
 * becomes `fallback`, so that the login page is never an open redirect.
 */
export function safeReturnPath(next: string | null | undefined, fallback = "/"): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return fallback;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  // Control characters (a browser strips tabs and newlines: "/\t/evil.example").
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  try {
    const resolved = new URL(next, "http://same.invalid");
    if (resolved.origin !== "http://same.invalid") return fallback;
    return resolved.pathname + resolved.search + resolved.hash;
  } catch {
    return fallback;
  }
}
