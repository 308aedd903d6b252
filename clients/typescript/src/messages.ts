// What a sign-in page shows when something went wrong, in the visitor's language: a
// failed call (the server's words, with the fields it names), or the `?error=` code a
// provider sign-in came back with. The server words its own messages in the language
// the client asked for (`setLanguage`); failures with no answer, and the `?error=`
// codes, are worded here.
import { CLIENT_ERROR_CODES, type ClientErrorCode, isSekishoError } from "./errors.js";

export type Language = "en" | "ja";

/** "ja" for a Japanese language tag (`ja`, `ja-JP`), "en" for anything else. */
export function pickLanguage(tag: string | null | undefined): Language {
  return tag?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

export interface ErrorDisplay {
  /** One sentence for the page's alert. */
  message: string;
  /** Field name → what is wrong with it, to show beside each field. */
  fields: Readonly<Record<string, string>>;
}

type Words = Record<Language, string>;
/** Every client code must have words (the type says so); server codes are optional. */
const WORDS: Record<ClientErrorCode, Words> & Partial<Record<string, Words>> = {
  NETWORK_ERROR: {
    en: "Could not reach the server. Check your connection and try again.",
    ja: "サーバーに接続できませんでした。接続を確認して、もう一度お試しください。",
  },
  TIMEOUT: {
    en: "The server took too long to answer. Try again.",
    ja: "サーバーの応答に時間がかかりすぎました。もう一度お試しください。",
  },
  BAD_RESPONSE: {
    en: "The server sent an answer this page could not read. Try again later.",
    ja: "サーバーから読み取れない応答が返されました。しばらくしてからお試しください。",
  },
  PASSKEY_CANCELLED: {
    en: "The passkey prompt was closed. Try again when you are ready.",
    ja: "パスキーの確認が閉じられました。準備ができたらもう一度お試しください。",
  },
  PASSKEY_UNSUPPORTED: {
    en: "This browser cannot use passkeys here.",
    ja: "このブラウザーではここでパスキーを使えません。",
  },
  EMAIL_SIGN_IN_UNSUPPORTED: {
    en: "Sign-in by email is not available here.",
    ja: "ここではメールによるサインインを使えません。",
  },
  TWO_FACTOR_REQUIRED: {
    en: "Enter the code from your authenticator app.",
    ja: "認証アプリのコードを入力してください。",
  },
  OAUTH_FAILED: {
    en: "The sign-in with the provider did not complete. Try again.",
    ja: "外部サービスでのサインインを完了できませんでした。もう一度お試しください。",
  },
  ACCOUNT_NOT_LINKED: {
    en: "An account with this email already exists. Sign in with your password first, then link the provider in your settings.",
    ja: "このメールアドレスのアカウントはすでにあります。パスワードでサインインしてから、設定で外部サービスを連携してください。",
  },
  ACCOUNT_DISABLED: {
    en: "This account is disabled.",
    ja: "このアカウントは無効化されています。",
  },
  EMAIL_NOT_VERIFIED: {
    en: "Confirm your email address first: open the link we sent you.",
    ja: "先にメールアドレスを確認してください。お送りしたリンクを開いてください。",
  },
  RATE_LIMITED: {
    en: "Too many attempts. Wait a moment and try again.",
    ja: "試行回数が多すぎます。しばらく待ってからお試しください。",
  },
  INTERNAL_ERROR: {
    en: "Something went wrong on the server. Try again later.",
    ja: "サーバーで問題が発生しました。しばらくしてからお試しください。",
  },
  SERVICE_UNAVAILABLE: {
    en: "The service is unavailable right now. Try again later.",
    ja: "現在サービスを利用できません。しばらくしてからお試しください。",
  },
  INVALID_TOKEN: {
    en: "This link is invalid or has expired.",
    ja: "このリンクは無効か、有効期限が切れています。",
  },
};

const UNKNOWN: Record<Language, string> = {
  en: "Something went wrong. Try again.",
  ja: "問題が発生しました。もう一度お試しください。",
};

/** Codes the client makes itself: no server words them. */
const CLIENT_CODES: ReadonlySet<string> = new Set(CLIENT_ERROR_CODES);

/**
 * What to show for a failed call: the server's message (in the language the client
 * asked for), and for VALIDATION_ERROR the field messages, also folded into `message`
 * so that a page showing only the alert still says what to fix ("password: must be at
 * least 8 characters", not "Invalid input").
 */
export function describeError(error: unknown, language: Language = "en"): ErrorDisplay {
  if (!isSekishoError(error)) return { message: UNKNOWN[language], fields: {} };
  if (CLIENT_CODES.has(error.code)) {
    return { message: WORDS[error.code]?.[language] ?? error.message, fields: {} };
  }
  const fields = error.fields;
  const named = Object.entries(fields);
  if (error.code === "VALIDATION_ERROR" && named.length > 0) {
    const separator = language === "ja" ? "、" : "; ";
    return { message: named.map(([field, problem]) => `${field}: ${problem}`).join(separator), fields };
  }
  return { message: error.message || WORDS[error.code]?.[language] || UNKNOWN[language], fields };
}

/**
 * The message for the `?error=` a provider sign-in came back with (the login page's
 * query), or null when there is none. Only a code is read, never text from the URL:
 * a link someone crafted cannot make the page say what they want.
 */
export function signInErrorFromQuery(
  query: string | URLSearchParams | Record<string, string | string[] | undefined>,
  language: Language = "en",
): string | null {
  let raw: string | string[] | null | undefined;
  if (typeof query === "string") raw = new URLSearchParams(query).get("error");
  else if (query instanceof URLSearchParams) raw = query.get("error");
  else raw = query.error;
  const code = Array.isArray(raw) ? raw[0] : raw;
  if (!code) return null;
  if (!/^[A-Z_]{2,40}$/.test(code)) return UNKNOWN[language];
  return WORDS[code]?.[language] ?? UNKNOWN[language];
}
