"""The app's own backend beside Sekisho (FastAPI): it trusts a request when PyJWT,
with the public keys Sekisho publishes, verifies the session cookie or the bearer
access token it carries (no shared secret, no call to Sekisho per request); it keeps
its own `users` table in sync from Sekisho's webhooks, verified by the Standard
Webhooks library; and it bans a user through Sekisho's management API.

    SEKISHO_URL=http://localhost:8080 SEKISHO_ISSUER=http://localhost:3000 \
        uvicorn service:app --port 8000
"""

import os
import sqlite3
import threading

import httpx
import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SEKISHO_URL = os.environ.get("SEKISHO_URL", "http://localhost:8080")
# Sekisho's JWT_ISSUER (PUBLIC_ORIGIN, else FRONTEND_URL) and JWT_AUDIENCE.
ISSUER = os.environ.get("SEKISHO_ISSUER", "http://localhost:3000")
AUDIENCE = os.environ.get("SEKISHO_AUDIENCE", "sekisho")
COOKIE = os.environ.get("SEKISHO_COOKIE", "access_token")

# Fetches /.well-known/jwks.json and keeps the keys for five minutes (Sekisho's
# Cache-Control). A rotated-in key is published JWT_KEY_PUBLISH_SECONDS (ten minutes)
# before it signs, so the cached set holds it by the time a token names it.
CACHE_SECONDS = int(os.environ.get("SEKISHO_JWKS_CACHE_SECONDS", "300"))
keys = jwt.PyJWKClient(f"{SEKISHO_URL}/.well-known/jwks.json", lifespan=CACHE_SECONDS)


def current_user(request: Request) -> dict:
    """The verified claims of the caller's token (`sub` is the user id), or 401."""
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(COOKIE)
    if not token:
        raise HTTPException(status_code=401, detail="not signed in")
    try:
        key = keys.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key,
            algorithms=["ES256", "EdDSA"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.PyJWTError as error:
        raise HTTPException(status_code=401, detail="invalid token") from error


app = FastAPI()


@app.get("/orders")
def orders(user: dict = Depends(current_user)) -> dict:
    """The signed-in user's orders (here: who asked)."""
    return {"userId": user["sub"], "email": user["email"], "orders": []}


# The service's own database: its users, keyed by Sekisho's user id, kept in sync by
# webhooks (created, updated, verified, banned, deleted), and the ids of the webhooks
# already applied (a retry repeats its webhook-id: applying it twice changes nothing).
DATABASE = os.environ.get("SERVICE_DATABASE", "service.db")
_db_lock = threading.Lock()
_db = sqlite3.connect(DATABASE, check_same_thread=False)
_db.executescript(
    """
    CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT,
        email_verified INTEGER NOT NULL, banned INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS applied_webhooks (id TEXT PRIMARY KEY);
    """
)


def local_user(user_id: str) -> dict | None:
    with _db_lock:
        row = _db.execute(
            "SELECT id, email, name, email_verified, banned FROM users WHERE id = ?", (user_id,)
        ).fetchone()
    if row is None:
        return None
    return {"id": row[0], "email": row[1], "name": row[2], "emailVerified": bool(row[3]), "banned": bool(row[4])}


def apply(event: dict) -> None:
    data = event["data"]
    kind = event["type"]
    if kind == "user.deleted":
        _db.execute("DELETE FROM users WHERE id = ?", (data["id"],))
    elif kind.startswith("user."):
        banned = {"user.banned": 1, "user.unbanned": 0}.get(kind)
        _db.execute(
            """INSERT INTO users (id, email, name, email_verified, banned) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
               email_verified = excluded.email_verified,
               banned = COALESCE(?, users.banned)""",
            (data["id"], data["email"], data.get("name"), int(data["emailVerified"]), banned or 0, banned),
        )


@app.post("/webhooks/sekisho", status_code=204)
async def sekisho_webhook(request: Request) -> None:
    """Sekisho's events, verified with the endpoint's secret (SEKISHO_WEBHOOK_SECRET,
    shown once when the endpoint was registered). A non-2xx answer makes Sekisho try
    again later with the same webhook-id."""
    body = await request.body()
    try:
        event = Webhook(os.environ["SEKISHO_WEBHOOK_SECRET"]).verify(body, dict(request.headers))
    except WebhookVerificationError as error:
        raise HTTPException(status_code=400, detail="bad signature") from error
    with _db_lock, _db:
        seen = _db.execute(
            "INSERT INTO applied_webhooks (id) VALUES (?) ON CONFLICT DO NOTHING",
            (request.headers["webhook-id"],),
        )
        if seen.rowcount == 1:
            apply(event)


@app.get("/me")
def me(user: dict = Depends(current_user)) -> dict:
    """The caller as this service knows them (from the webhooks), or 404."""
    found = local_user(user["sub"])
    if found is None:
        raise HTTPException(status_code=404, detail="not synced yet")
    return found


@app.post("/moderation/{user_id}/ban")
def ban(user_id: str, reason: str = "abuse") -> dict:
    """Bans a user in Sekisho (every session ends there) with a management key
    (SEKISHO_MANAGEMENT_KEY, scope users:write). A real service would check that its
    caller is a moderator first."""
    answer = httpx.post(
        f"{SEKISHO_URL}/api/v1/admin/users/{user_id}/ban",
        headers={"authorization": f"Bearer {os.environ['SEKISHO_MANAGEMENT_KEY']}"},
        json={"reason": reason, "note": "banned by the moderation service"},
    )
    if answer.status_code != 200:
        raise HTTPException(status_code=502, detail=answer.json()["error"]["code"])
    return answer.json()["user"]
