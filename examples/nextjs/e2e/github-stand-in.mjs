// A stand-in for GitHub in the browser test, laid out as GitHub Enterprise Server is
// (GITHUB_URL and GITHUB_API_URL = `${url}/api/v3`): an authorize page with an
// "Authorize" button, the token endpoint (checks the client, the redirect URI and the
// PKCE verifier; refusals are 200 with `error`, as GitHub answers), and the REST API's
// /user and /user/emails. Node's standard library only.
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";

export const GITHUB_CLIENT = { clientId: "Iv1.e2e", clientSecret: "e2e-github-secret" };

/** Starts it; `user` is who consents: `{ id, login, name, email }` (primary, verified). */
export async function startGitHub(user) {
  const grants = new Map();
  const tokens = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://stand-in");
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const back = new URL(url.searchParams.get("redirect_uri"));
      const code = randomUUID();
      grants.set(code, { challenge: url.searchParams.get("code_challenge"), redirect: back.toString() });
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><title>Authorize</title><h1>Authorize Sekisho e2e</h1>
        <p>Signed in to the stand-in as ${user.login}.</p><a id="authorize" href="${back.toString().replace(/&/g, "&amp;")}">Authorize</a>`);
      return;
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const grant = grants.get(form.get("code"));
      grants.delete(form.get("code"));
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const right =
        form.get("client_id") === GITHUB_CLIENT.clientId &&
        form.get("client_secret") === GITHUB_CLIENT.clientSecret &&
        grant &&
        grant.challenge === challenge &&
        grant.redirect.startsWith(form.get("redirect_uri") ?? "-");
      if (!right) return send(200, { error: "bad_verification_code" });
      const token = `gho_${randomUUID()}`;
      tokens.set(token, user);
      return send(200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
    }
    const who = tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (req.method === "GET" && url.pathname === "/api/v3/user") {
      if (!who) return send(401, { message: "Bad credentials" });
      return send(200, { id: who.id, login: who.login, name: who.name, avatar_url: `https://avatars.example.com/u/${who.id}` });
    }
    if (req.method === "GET" && url.pathname === "/api/v3/user/emails") {
      if (!who) return send(401, { message: "Bad credentials" });
      return send(200, [{ email: who.email, primary: true, verified: true, visibility: "private" }]);
    }
    send(404, { message: "Not Found" });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    env: {
      GITHUB_CLIENT_ID: GITHUB_CLIENT.clientId,
      GITHUB_CLIENT_SECRET: GITHUB_CLIENT.clientSecret,
      GITHUB_URL: url,
      GITHUB_API_URL: `${url}/api/v3`,
    },
    close: () => server.close(),
  };
}
