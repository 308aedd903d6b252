// One field for both kinds of second-factor answer: a 6-digit code from the
// authenticator app, or a recovery code (`xxxxx-xxxxx`, letters and digits).

/**
 * The answer `verifySecondFactor` takes for what was typed: six digits (spaces
 * ignored) are a code from the app; anything else is a recovery code, sent as typed
 * (the server ignores case, spaces and the dash).
 */
export function secondFactorAnswer(typed: string): { code: string } | { recoveryCode: string } {
  const digits = typed.replace(/\s+/g, "");
  if (/^\d{6}$/.test(digits)) return { code: digits };
  return { recoveryCode: typed.trim() };
}
