// A Route Handler that forwards the app's own `/api/*` to Sekisho (same-origin
// deployments), telling it who the visitor really is. Next.js `rewrites()` forwards
// without X-Forwarded-For (every visitor becomes the Next.js server's address, so the
// per-IP limits become one global limit) and passes on whatever X-Forwarded-For the
// browser made up. This handler replaces it with the client's address, and sends the
// original host, so Sekisho (TRUSTED_PROXIES = this server's address) sees the visitor.
//
//   // app/api/[...path]/route.ts
//   export const { GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD } = sekishoProxy();

export interface ProxyOptions {
  /** Sekisho's URL as this server reaches it. Default SEKISHO_INTERNAL_URL. */
  target?: string;
  /**
   * How many reverse proxies in front of Next.js append the visitor's address to
   * X-Forwarded-For (nginx, a load balancer, a CDN): the client is the entry that many
   * places from the right. Default SEKISHO_PROXY_HOPS, else 1. With Next.js facing
   * browsers directly there is no trustworthy entry (Next.js keeps a header the
   * browser sent); put a proxy in front.
   */
  trustedHops?: number;
  timeoutMs?: number;
}

type Handler = (request: Request) => Promise<Response>;

// Hop-by-hop headers, and those fetch computes itself.
const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);
// Who-the-client-is headers: only this handler may write them.
const FORWARDING = new Set(["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"]);

export function sekishoProxy(options: ProxyOptions = {}): Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "HEAD", Handler> {
  const handler: Handler = (request) => forward(request, options);
  return { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler, HEAD: handler };
}

/** The visitor's address from X-Forwarded-For as Next.js passes it on. */
export function clientAddress(forwardedFor: string | null, trustedHops: number): string | null {
  if (!forwardedFor) return null;
  const entries = forwardedFor
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return null;
  const index = Math.max(0, entries.length - Math.max(1, trustedHops));
  return entries[index] ?? null;
}

async function forward(request: Request, options: ProxyOptions): Promise<Response> {
  const target = (options.target ?? process.env.SEKISHO_INTERNAL_URL ?? "").replace(/\/+$/, "");
  if (!target) return unavailable("SEKISHO_INTERNAL_URL is not set");
  const hops = options.trustedHops ?? (Number(process.env.SEKISHO_PROXY_HOPS ?? "1") || 0);
  const incoming = new URL(request.url);
  const upstream = new URL(incoming.pathname + incoming.search, `${target}/`);

  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name) && !FORWARDING.has(name)) headers.set(name, value);
  });
  const client = clientAddress(request.headers.get("x-forwarded-for"), hops);
  if (client) headers.set("X-Forwarded-For", client);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? incoming.host;
  headers.set("X-Forwarded-Host", host.split(",")[0]!.trim());
  const proto = request.headers.get("x-forwarded-proto") ?? incoming.protocol.replace(":", "");
  headers.set("X-Forwarded-Proto", proto.split(",")[0]!.trim());

  const hasBody = !["GET", "HEAD"].includes(request.method);
  let answer: Response;
  try {
    answer = await fetch(upstream, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      cache: "no-store",
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    console.error(`sekishoProxy: ${request.method} ${upstream.pathname}: ${String(error)}`);
    return unavailable("The authentication server cannot be reached");
  }
  const out = new Headers();
  answer.headers.forEach((value, name) => {
    // fetch has already decoded the body; set-cookie is copied one by one below.
    if (!NOT_FORWARDED.has(name) && name !== "content-encoding" && name !== "set-cookie") out.set(name, value);
  });
  for (const cookie of answer.headers.getSetCookie()) out.append("Set-Cookie", cookie);
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: out });
}

function unavailable(message: string): Response {
  return new Response(JSON.stringify({ error: { code: "SERVICE_UNAVAILABLE", message } }), {
    status: 503,
    headers: { "Content-Type": "application/json", "Retry-After": "5" },
  });
}
