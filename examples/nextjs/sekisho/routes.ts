// Written by `sekisho-client init`. Sekisho's FRONTEND_ROUTES must name the same
// paths for the pages its mails and redirects open (login, verify-email,
// reset-password, two-factor, settings, sign-in-email); moving a page means moving
// its folder under app/(sekisho)/ too.
export const routes = {
  login: "/login",
  verifyEmail: "/verify-email",
  resetPassword: "/reset-password",
  twoFactor: "/two-factor",
  settings: "/settings",
  signInEmail: "/sign-in/email",
  signup: "/signup",
  forgotPassword: "/forgot-password",
  /** Where a sign-in lands when nothing asked for a page. */
  afterSignIn: "/dashboard",
};
