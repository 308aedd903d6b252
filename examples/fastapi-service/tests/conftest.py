"""A real Sekisho (the release binary, SEKISHO_BIN) on a fresh SQLite file, and the
example service pointed at it."""

import importlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("SEKISHO_BIN", HERE / "../../target/release/sekisho")).resolve()
FRONTEND = "http://localhost:3000"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sekisho:
    def __init__(self, url: str, env: dict):
        self.url = url
        self.env = env

    def cli(self, *args: str) -> str:
        """Runs the binary's command line against the same database."""
        done = subprocess.run(
            [str(BINARY), *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def _session(self, path: str, email: str, status: int) -> str:
        """POSTs `email` and the password to `path` as the app's page would; the
        session cookie's token."""
        answer = httpx.post(
            f"{self.url}/api/v1/auth/{path}",
            json={"email": email, "password": PASSWORD},
            headers={"origin": FRONTEND},
        )
        assert answer.status_code == status, answer.text
        return answer.cookies["access_token"]

    def sign_up(self, email: str) -> str:
        return self._session("signup", email, 201)

    def log_in(self, email: str) -> str:
        return self._session("login", email, 200)

    def access_token(self, email: str) -> str:
        answer = httpx.post(
            f"{self.url}/api/v1/auth/token", json={"email": email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


@pytest.fixture(scope="session")
def sekisho():
    if not BINARY.exists():
        pytest.fail(f"no Sekisho binary at {BINARY}: run `cargo build --release` first")
    work = tempfile.mkdtemp(prefix="sekisho-fastapi-")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite://{work}/auth.db",
        "DATA_DIR": work,
        "BIND": f"127.0.0.1:{port}",
        "SECRET_KEY": "fastapi-example-secret-key-long-enough-0123456789",
        "FRONTEND_URL": FRONTEND,
        "CORS_ORIGINS": FRONTEND,
        # Publish first, sign later, as in production (600 s), but in seconds: the
        # service's key cache (2 s here, 300 s in production) is shorter.
        "JWT_KEY_PUBLISH_SECONDS": "5",
        # The contract's retries wait 5 s, then 5 min…: seconds here.
        "WEBHOOK_RETRY_SCHEDULE": "1,1,1,1",
        "RUST_LOG": "warn",
    }
    server = subprocess.Popen([str(BINARY), "serve"], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/health").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Sekisho did not start")
        time.sleep(0.1)
    yield Sekisho(url, env)
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def service(sekisho):
    """The example service, configured for this Sekisho, behind FastAPI's TestClient."""
    from fastapi.testclient import TestClient

    os.environ["SEKISHO_URL"] = sekisho.url
    os.environ["SEKISHO_ISSUER"] = FRONTEND
    os.environ["SEKISHO_JWKS_CACHE_SECONDS"] = "2"
    os.environ["SERVICE_DATABASE"] = os.path.join(tempfile.mkdtemp(prefix="service-"), "service.db")
    sys.path.insert(0, str(HERE))
    module = importlib.import_module("service")
    return TestClient(module.app)


# What keeps the service's `users` table in sync (session events are not needed).
SYNCED_EVENTS = [
    "user.created",
    "user.updated",
    "user.email_verified",
    "user.banned",
    "user.unbanned",
    "user.deleted",
]


class FailFirst:
    """Wraps the service so that its webhook route answers 503 to the next
    `failures` deliveries (a receiver that is down for a moment), noting their ids."""

    def __init__(self, app):
        self.app = app
        self.failures = 0
        self.refused = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/webhooks/sekisho" and self.failures > 0:
            self.failures -= 1
            self.refused.append(dict(scope["headers"]).get(b"webhook-id", b"").decode())
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b"down for a moment"})
            return
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def served(sekisho, service):
    """The example service served over HTTP (uvicorn) and registered with Sekisho as a
    webhook endpoint, with a management key to ban with; the failing wrapper."""
    import uvicorn

    wrapper = FailFirst(service.app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(wrapper, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    key = sekisho.cli(
        "management-key", "create", "fastapi-example", "--scopes", "webhooks:write,users:write"
    ).strip()
    registered = httpx.post(
        f"{sekisho.url}/api/v1/admin/webhooks",
        headers={"authorization": f"Bearer {key}"},
        json={
            "url": f"http://127.0.0.1:{port}/webhooks/sekisho",
            "description": "FastAPI example",
            "events": SYNCED_EVENTS,
        },
    )
    assert registered.status_code == 201, registered.text
    os.environ["SEKISHO_WEBHOOK_SECRET"] = registered.json()["secret"]
    os.environ["SEKISHO_MANAGEMENT_KEY"] = key
    yield wrapper
    server.should_exit = True
    thread.join(timeout=10)
