// One error type for everything that can go wrong in a call: an answer of the server
// in its envelope, or a failure before any answer (network, timeout, a proxy's HTML).
import type { components } from "./schema.js";

/** The codes the server sends (the contract's table, from the OpenAPI document). */
export type ServerErrorCode = components["schemas"]["ErrorDetail"]["code"];

/**
 * Codes of failures with no answer from Sekisho:
 * - NETWORK_ERROR: the request never got an answer (server down, DNS, CORS refusal);
 * - TWO_FACTOR_REQUIRED: the password was right and the account has a second factor:
 *   finish with `verifySecondFactor({ code })` (status 200, not a failure of the call);
 * - TIMEOUT: no answer within the client's timeout;
 * - BAD_RESPONSE: an answer that is not Sekisho's JSON (a proxy's HTML error page);
 * - PASSKEY_CANCELLED: the person closed the browser's passkey dialog, chose none, or
 *   it timed out (nothing to report: offer the button again);
 * - PASSKEY_UNSUPPORTED: this browser or page cannot run a passkey ceremony (or, in
 *   bearer mode, a passkey sign-in, which makes a browser session).
 * - EMAIL_SIGN_IN_UNSUPPORTED: a sign-in by email in bearer mode (it makes a browser
 *   session).
 * A ceremony the browser itself refused for another reason is PASSKEY_FAILED, as the
 * server's refusal is.
 */
export const CLIENT_ERROR_CODES = [
  "NETWORK_ERROR",
  "TIMEOUT",
  "BAD_RESPONSE",
  "TWO_FACTOR_REQUIRED",
  "PASSKEY_CANCELLED",
  "PASSKEY_UNSUPPORTED",
  "EMAIL_SIGN_IN_UNSUPPORTED",
] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type SekishoErrorCode = ServerErrorCode | ClientErrorCode;

export class SekishoError extends Error {
  override readonly name = "SekishoError";
  /** HTTP status, or 0 when there was no answer. */
  readonly status: number;
  readonly code: SekishoErrorCode;
  /** Field name → what is wrong with it (VALIDATION_ERROR). */
  readonly fields: Readonly<Record<string, string>>;
  /** Seconds, from `Retry-After` (RATE_LIMITED). */
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    code: SekishoErrorCode,
    message: string,
    options: { fields?: Record<string, string>; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.fields = options.fields ?? {};
    this.retryAfter = options.retryAfter;
  }

  /** Turns a non-2xx answer into an error, whatever its body. */
  static async fromResponse(response: Response): Promise<SekishoError> {
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
    let text = "";
    try {
      text = await response.text();
    } catch (cause) {
      return new SekishoError(response.status, "NETWORK_ERROR", "The answer was cut off", { cause });
    }
    const envelope = parseEnvelope(text);
    if (envelope) {
      return new SekishoError(response.status, envelope.code, envelope.message, {
        fields: envelope.fields,
        retryAfter,
      });
    }
    return new SekishoError(
      response.status,
      "BAD_RESPONSE",
      `The server answered ${response.status} ${response.statusText || ""}`.trim() +
        " without an error the client understands (is a proxy in the way?)",
      { retryAfter },
    );
  }
}

export function isSekishoError(value: unknown): value is SekishoError {
  return value instanceof SekishoError;
}

interface Envelope {
  code: ServerErrorCode;
  message: string;
  fields: Record<string, string>;
}

function parseEnvelope(text: string): Envelope | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(body) || !isObject(body.error)) return null;
  const { code, message, details } = body.error;
  if (typeof code !== "string" || typeof message !== "string") return null;
  const fields: Record<string, string> = {};
  if (isObject(details) && isObject(details.fields)) {
    for (const [name, problem] of Object.entries(details.fields)) {
      if (typeof problem === "string") fields[name] = problem;
    }
  }
  // A code this client version does not know yet is still passed on as is.
  return { code: code as ServerErrorCode, message, fields };
}

function parseRetryAfter(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
