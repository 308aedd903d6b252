"""The app's own backend beside Sekisho (FastAPI): it trusts a request when PyJWT,
with the public keys Sekisho publishes, verifies the session cookie or the bearer
access token it carries. No shared secret, no call to Sekisho per request.

    SEKISHO_URL=http://localhost:8080 SEKISHO_ISSUER=http://localhost:3000 \
        uvicorn service:app --port 8000
"""

import os

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request

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
