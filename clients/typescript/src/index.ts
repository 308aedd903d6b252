export { createClient, defaultBaseUrl } from "./client.js";
export type {
  ApiClient,
  ClientOptions,
  EmailSignInProof,
  LinkedAccount,
  LoginBody,
  Passkey,
  PasskeyApi,
  PasskeySignInOptions,
  ProfileChanges,
  Provider,
  SecondFactorAnswer,
  Session,
  SessionPage,
  SekishoClient,
  SignupBody,
  SignUpResult,
  SocialSignInOptions,
  TwoFactorApi,
  TwoFactorProof,
  TwoFactorSetup,
  User,
} from "./client.js";
export { SekishoError, isSekishoError } from "./errors.js";
export type { ClientErrorCode, SekishoErrorCode, ServerErrorCode } from "./errors.js";
export type { SignOutReason, TokenPair } from "./tokens.js";
export { safeReturnPath } from "./return-path.js";
export { describeError, pickLanguage, signInErrorFromQuery } from "./messages.js";
export type { ErrorDisplay, Language } from "./messages.js";
export { secondFactorAnswer } from "./second-factor.js";
export { passkeysSupported } from "./passkey.js";
export type { components, paths } from "./schema.js";
