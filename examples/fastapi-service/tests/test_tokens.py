"""PyJWT, as its own documentation uses it (PyJWKClient and jwt.decode), verifies
Sekisho's session cookies and access tokens through the JWKS."""

import base64
import json
import time

import jwt


def test_a_session_cookie_is_verified_through_the_jwks(sekisho, service):
    token = sekisho.sign_up("cookie@example.com")
    answer = service.get("/orders", cookies={"access_token": token})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["email"] == "cookie@example.com"
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    assert body["userId"] == jwt.decode(token, options={"verify_signature": False})["sub"]


def test_a_bearer_access_token_is_verified_too(sekisho, service):
    sekisho.sign_up("bearer@example.com")
    token = sekisho.access_token("bearer@example.com")
    answer = service.get("/orders", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["email"] == "bearer@example.com"


def test_a_changed_or_foreign_token_is_refused(sekisho, service):
    token = sekisho.sign_up("forged@example.com")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["email"] = "someone-else@example.com"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = ".".join([header, changed, signature])
    assert service.get("/orders", cookies={"access_token": forged}).status_code == 401

    # Signed with Sekisho's SECRET_KEY, as the release before asymmetric keys signed:
    # a service never accepts that (only Sekisho does, until such cookies expire).
    hs256 = jwt.encode(
        {**claims, "exp": int(time.time()) + 60}, sekisho.env["SECRET_KEY"], algorithm="HS256"
    )
    assert service.get("/orders", cookies={"access_token": hs256}).status_code == 401
    assert service.get("/orders").status_code == 401


def test_a_key_rotated_in_while_the_service_runs(sekisho, service):
    sekisho.sign_up("rotation@example.com")
    before = sekisho.log_in("rotation@example.com")
    assert service.get("/orders", cookies={"access_token": before}).status_code == 200

    printed = sekisho.cli("keys", "rotate")
    assert printed.startswith("added signing key ")
    new_kid = printed.split()[3].rstrip(":")
    # Published now, signing after JWT_KEY_PUBLISH_SECONDS (5 s here) once the running
    # server has loaded it (every 10 s); meanwhile the service's cache expires and it
    # fetches the set with the new key.
    deadline = time.monotonic() + 30
    after = sekisho.log_in("rotation@example.com")
    while jwt.get_unverified_header(after)["kid"] != new_kid:
        assert time.monotonic() < deadline, "the new key never signed"
        time.sleep(0.5)
        after = sekisho.log_in("rotation@example.com")
    # The service's cached key set lacks the new kid: PyJWKClient fetches it again.
    assert service.get("/orders", cookies={"access_token": after}).status_code == 200
    # The old key stays published until its tokens expire.
    assert service.get("/orders", cookies={"access_token": before}).status_code == 200
