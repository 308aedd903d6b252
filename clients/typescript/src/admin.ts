// The management API for the app's own server code: every call with a management key
// (`Authorization: Bearer sk_…`), typed from the OpenAPI document, every failure a
// SekishoError. Server-only: a key in a browser bundle would be anyone's. Bundlers
// that build for the browser get `admin-browser.ts` instead (the `browser` export
// condition), and this module refuses to run where there is a `window` too.
import createFetchClient, { type Client } from "openapi-fetch";

import { SekishoError } from "./errors.js";
import type { components, operations, paths } from "./schema.js";

export type ManagedUser = components["schemas"]["ManagedUser"];
export type ManagedUsersPage = components["schemas"]["ManagedUsersPage"];
export type ManagedSessionsPage = components["schemas"]["ManagedSessionsPage"];
export type CreateUserBody = components["schemas"]["CreateUserRequest"];
export type UpdateUserBody = components["schemas"]["UpdateUserRequest"];
export type BanBody = components["schemas"]["BanRequest"];
export type Webhook = components["schemas"]["WebhookView"];
export type CreateWebhookBody = components["schemas"]["CreateWebhookRequest"];
/** The endpoint and its signing secret (`whsec_…`), shown this once. */
export type CreatedWebhook = components["schemas"]["CreatedWebhook"];
export type Introspection = components["schemas"]["IntrospectResponse"];
export type UserQuery = NonNullable<operations["list_users"]["parameters"]["query"]>;
export type PageQuery = NonNullable<operations["user_sessions"]["parameters"]["query"]>;

export interface AdminClientOptions {
  /** Where Sekisho answers, seen from this server (`http://sekisho:8080`). */
  baseUrl: string;
  /** A management key (`sk_…`) with the scopes the calls need. */
  key: string;
  /** Milliseconds before a call fails with TIMEOUT (default 15 000). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export interface AdminClient {
  /** The typed openapi-fetch client, with the key, for anything not wrapped here. */
  readonly api: Client<paths>;
  users: {
    list(query?: UserQuery): Promise<ManagedUsersPage>;
    get(id: string): Promise<ManagedUser>;
    /** With `password`, or (`sendInvitation`) a set-your-password mail. */
    create(body: CreateUserBody): Promise<ManagedUser>;
    /** `name` (null clears it), `role`, `emailVerified`: each only when given. */
    update(id: string, body: UpdateUserBody): Promise<ManagedUser>;
    /** Disables the account and ends every session. */
    ban(id: string, body: BanBody): Promise<ManagedUser>;
    unban(id: string): Promise<ManagedUser>;
    /** As an operator's delete: the address is freed, every session ends. */
    delete(id: string): Promise<void>;
    sessions(id: string, query?: PageQuery): Promise<ManagedSessionsPage>;
    revokeSessions(id: string): Promise<void>;
  };
  sessions: {
    revoke(id: string): Promise<void>;
  };
  webhooks: {
    list(): Promise<Webhook[]>;
    create(body: CreateWebhookBody): Promise<CreatedWebhook>;
    delete(id: string): Promise<void>;
  };
  /** RFC 7662: whether a session cookie's token or an access token is live now
   * (signature, expiry, and its session not revoked). */
  introspect(token: string): Promise<Introspection>;
}

/** Whether this code runs in a browser (or a web worker): no place for a key. */
function inBrowser(): boolean {
  const scope = globalThis as { window?: unknown; document?: unknown; WorkerGlobalScope?: unknown };
  return scope.window !== undefined || scope.document !== undefined || scope.WorkerGlobalScope !== undefined;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  if (inBrowser()) {
    throw new Error(
      "createAdminClient is server-only: a management key must never reach a browser (call it from a Route Handler, a Server Action or your backend)",
    );
  }
  if (!options.key?.startsWith("sk_")) {
    throw new Error("createAdminClient: `key` must be a management key (sk_…)");
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 15_000;
  const rawFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function send(request: Request): Promise<Response> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let response: Response;
    try {
      response = await rawFetch(request, { signal: controller.signal });
    } catch (cause) {
      if (timedOut) throw new SekishoError(0, "TIMEOUT", `No answer from ${baseUrl} within ${timeoutMs} ms`, { cause });
      throw new SekishoError(0, "NETWORK_ERROR", `Cannot reach ${baseUrl}`, { cause });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw await SekishoError.fromResponse(response);
    return response;
  }

  const api = createFetchClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${options.key}` },
    fetch: send as typeof fetch,
  });

  function body<T>(result: { data?: T; response: Response }): T {
    if (result.data === undefined) {
      throw new SekishoError(result.response.status, "BAD_RESPONSE", "The server's answer had no body");
    }
    return result.data;
  }
  const id = (value: string) => ({ params: { path: { id: value } } });

  return {
    api,
    users: {
      list: async (query) => body(await api.GET("/api/v1/admin/users", { params: { query } })),
      get: async (userId) => body(await api.GET("/api/v1/admin/users/{id}", id(userId))).user,
      create: async (input) => body(await api.POST("/api/v1/admin/users", { body: input })).user,
      update: async (userId, input) =>
        body(await api.PATCH("/api/v1/admin/users/{id}", { ...id(userId), body: input })).user,
      ban: async (userId, input) =>
        body(await api.POST("/api/v1/admin/users/{id}/ban", { ...id(userId), body: input })).user,
      unban: async (userId) => body(await api.POST("/api/v1/admin/users/{id}/unban", id(userId))).user,
      delete: async (userId) => {
        await api.DELETE("/api/v1/admin/users/{id}", id(userId));
      },
      sessions: async (userId, query) =>
        body(await api.GET("/api/v1/admin/users/{id}/sessions", { params: { path: { id: userId }, query } })),
      revokeSessions: async (userId) => {
        await api.DELETE("/api/v1/admin/users/{id}/sessions", id(userId));
      },
    },
    sessions: {
      revoke: async (sessionId) => {
        await api.DELETE("/api/v1/admin/sessions/{id}", id(sessionId));
      },
    },
    webhooks: {
      list: async () => body(await api.GET("/api/v1/admin/webhooks")).webhooks,
      create: async (input) => body(await api.POST("/api/v1/admin/webhooks", { body: input })),
      delete: async (webhookId) => {
        await api.DELETE("/api/v1/admin/webhooks/{id}", id(webhookId));
      },
    },
    introspect: async (token) => body(await api.POST("/api/v1/auth/introspect", { body: { token } })),
  };
}
