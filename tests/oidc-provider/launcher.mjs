// A standards-compliant OpenID provider on loopback for Sekisho's browser test:
// oidc-provider (a certified implementation) with its built-in login and consent pages.
// Any login name signs in; the account's email is `<login>@acme.example`, verified.
// The email is a scope claim, so by the spec it is served at userinfo, not in the
// ID token: Sekisho must ask userinfo for it, as with such providers in the wild.
//
//   PORT=0 CLIENT_ID=… CLIENT_SECRET=… REDIRECT_URIS=http://…/callback/acme node launcher.mjs
//
// Prints one line of JSON when ready: {"issuer":"http://127.0.0.1:PORT"}.

import http from "node:http";
import Provider from "oidc-provider";

const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return value;
};

const clientId = required("CLIENT_ID");
const clientSecret = required("CLIENT_SECRET");
const redirectUris = required("REDIRECT_URIS").split(",").map((uri) => uri.trim());

// The port first: the issuer names it, and Sekisho discovers from the issuer.
const server = http.createServer();
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: `${sub}@acme.example`, email_verified: true, name: `${sub} at ACME` };
      },
    };
  },
  // Test-only keys for the interaction cookies.
  cookies: { keys: ["sekisho-test-only-cookie-key"] },
  features: { devInteractions: { enabled: true } },
});
// Loopback, plain HTTP: the test's only network.
provider.proxy = false;

server.on("request", provider.callback());
console.log(JSON.stringify({ issuer }));

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
