"""Sekisho's webhooks, verified by the Standard Webhooks library as its own
documentation uses it, keep the service's `users` table in sync; a receiver that fails
twice gets the same event again (same webhook-id) and applies it once; a ban through the
management API comes back as `user.banned`."""

import time

import httpx
import jwt

from conftest import FRONTEND, PASSWORD


def wait_until(check, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def user_id(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sub"]


def test_a_sign_up_reaches_the_service_after_two_failed_deliveries(sekisho, service, served):
    import service as example

    served.failures = 2
    served.refused.clear()
    token = sekisho.sign_up("synced@example.com")
    found = wait_until(lambda: example.local_user(user_id(token)))
    assert found == {
        "id": user_id(token),
        "email": "synced@example.com",
        "name": None,
        "emailVerified": False,
        "banned": False,
    }
    # The two refused deliveries were the same message, tried again with its id.
    assert len(served.refused) == 2
    assert served.refused[0] == served.refused[1]
    assert served.refused[0].startswith("msg_")
    answer = service.get("/me", cookies={"access_token": token})
    assert answer.status_code == 200
    assert answer.json()["email"] == "synced@example.com"


def test_a_ban_through_the_management_api_comes_back_as_a_webhook(sekisho, service, served):
    import service as example

    token = sekisho.sign_up("moderated@example.com")
    uid = user_id(token)
    assert wait_until(lambda: example.local_user(uid))
    banned = service.post(f"/moderation/{uid}/ban", params={"reason": "spam"})
    assert banned.status_code == 200, banned.text
    assert banned.json()["ban"]["reason"] == "spam"
    assert wait_until(lambda: (example.local_user(uid) or {}).get("banned"))
    # Sekisho ended the user's sessions: the cookie no longer opens /me there.
    me = httpx.get(f"{sekisho.url}/api/v1/auth/me", cookies={"access_token": token})
    assert me.status_code == 401


def test_a_withdrawal_removes_the_local_user(sekisho, service, served):
    import service as example

    token = sekisho.sign_up("leaving@example.com")
    uid = user_id(token)
    assert wait_until(lambda: example.local_user(uid))
    withdrawn = httpx.post(
        f"{sekisho.url}/api/v1/user/withdraw",
        json={"confirmPassword": PASSWORD},
        cookies={"access_token": token},
        headers={"origin": FRONTEND},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert wait_until(lambda: example.local_user(uid) is None)


def test_a_forged_webhook_is_refused(served, service):
    forged = service.post(
        "/webhooks/sekisho",
        content=b'{"type":"user.deleted","timestamp":"2026-01-01T00:00:00Z","data":{"id":"x"}}',
        headers={
            "webhook-id": "msg_forged",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl",
            "content-type": "application/json",
        },
    )
    assert forged.status_code == 400
