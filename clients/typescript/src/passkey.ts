// The browser's side of a passkey ceremony: Sekisho's WebAuthn Level 3 JSON options
// into what navigator.credentials takes, and the credential back into JSON. Browsers
// with the Level 3 helpers (PublicKeyCredential.parseCreationOptionsFromJSON,
// credential.toJSON) use them; older ones get the same conversion done here.
import { SekishoError } from "./errors.js";

type Json = Record<string, unknown>;

function fromBase64Url(text: string): ArrayBuffer {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function toBase64Url(buffer: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type Descriptor = { id: string; type: string; transports?: string[] };

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return (list as Descriptor[]).map((d) => ({
    ...d,
    id: fromBase64Url(d.id),
    type: "public-key",
  })) as PublicKeyCredentialDescriptor[];
}

interface Level3Statics {
  parseCreationOptionsFromJSON?: (json: Json) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (json: Json) => PublicKeyCredentialRequestOptions;
  isConditionalMediationAvailable?: () => Promise<boolean>;
}

function statics(): Level3Statics | undefined {
  return typeof PublicKeyCredential === "undefined" ? undefined : (PublicKeyCredential as unknown as Level3Statics);
}

/** Whether this browser can run a passkey ceremony at all. */
export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && statics() !== undefined && !!navigator.credentials;
}

/** Whether the browser offers passkeys in an input's autofill (`autocomplete="username webauthn"`). */
export async function passkeyAutofillAvailable(): Promise<boolean> {
  const check = statics()?.isConditionalMediationAvailable;
  return check ? check.call(PublicKeyCredential).catch(() => false) : false;
}

export function creationOptions(json: Json): PublicKeyCredentialCreationOptions {
  const parse = statics()?.parseCreationOptionsFromJSON;
  if (parse) return parse.call(PublicKeyCredential, json);
  const user = json.user as Json;
  return {
    ...(json as object),
    challenge: fromBase64Url(json.challenge as string),
    user: { ...user, id: fromBase64Url(user.id as string) },
    excludeCredentials: descriptors(json.excludeCredentials),
  } as PublicKeyCredentialCreationOptions;
}

export function requestOptions(json: Json): PublicKeyCredentialRequestOptions {
  const parse = statics()?.parseRequestOptionsFromJSON;
  if (parse) return parse.call(PublicKeyCredential, json);
  return {
    ...(json as object),
    challenge: fromBase64Url(json.challenge as string),
    allowCredentials: descriptors(json.allowCredentials),
  } as PublicKeyCredentialRequestOptions;
}

/** `credential.toJSON()`, or the same shape built by hand where it is missing. */
export function credentialJson(credential: PublicKeyCredential): Json {
  const withJson = credential as PublicKeyCredential & { toJSON?: () => Json };
  if (typeof withJson.toJSON === "function") return withJson.toJSON();
  const response = credential.response as AuthenticatorResponse & Record<string, unknown>;
  const encoded: Json = { clientDataJSON: toBase64Url(response.clientDataJSON) };
  for (const field of ["attestationObject", "authenticatorData", "signature", "userHandle"]) {
    const value = response[field];
    if (value instanceof ArrayBuffer) encoded[field] = toBase64Url(value);
  }
  const transports = (response as { getTransports?: () => string[] }).getTransports?.();
  if (transports) encoded.transports = transports;
  return {
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: encoded,
  };
}

/**
 * The browser's refusal as a SekishoError: PASSKEY_CANCELLED when the person closed
 * the dialog or no passkey was chosen (NotAllowedError, AbortError), PASSKEY_UNSUPPORTED
 * when the browser cannot, and the browser's own message otherwise (PASSKEY_FAILED).
 */
export function ceremonyError(cause: unknown): SekishoError {
  const name = cause instanceof Error ? cause.name : "";
  if (name === "NotAllowedError" || name === "AbortError") {
    return new SekishoError(0, "PASSKEY_CANCELLED", "The passkey dialog was closed or timed out", { cause });
  }
  if (name === "NotSupportedError" || name === "SecurityError") {
    return new SekishoError(0, "PASSKEY_UNSUPPORTED", "This browser or page cannot use passkeys here", { cause });
  }
  if (name === "InvalidStateError") {
    return new SekishoError(0, "PASSKEY_FAILED", "This authenticator already holds a passkey for the account", { cause });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SekishoError(0, "PASSKEY_FAILED", message, { cause });
}

export async function createCredential(options: Json, signal?: AbortSignal): Promise<Json> {
  if (!passkeysSupported()) throw ceremonyError(Object.assign(new Error("no WebAuthn"), { name: "NotSupportedError" }));
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.create({ publicKey: creationOptions(options), signal });
  } catch (cause) {
    throw ceremonyError(cause);
  }
  if (!credential) throw ceremonyError(Object.assign(new Error("no credential"), { name: "NotAllowedError" }));
  return credentialJson(credential as PublicKeyCredential);
}

export async function getCredential(
  options: Json,
  mediation: CredentialMediationRequirement | undefined,
  signal?: AbortSignal,
): Promise<Json> {
  if (!passkeysSupported()) throw ceremonyError(Object.assign(new Error("no WebAuthn"), { name: "NotSupportedError" }));
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({ publicKey: requestOptions(options), mediation, signal });
  } catch (cause) {
    throw ceremonyError(cause);
  }
  if (!credential) throw ceremonyError(Object.assign(new Error("no credential"), { name: "NotAllowedError" }));
  return credentialJson(credential as PublicKeyCredential);
}
