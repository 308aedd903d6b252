"""A real Sekisho (the release binary, SEKISHO_BIN) on a fresh SQLite file, and the
example service pointed at it."""

import importlib
import os
import socket
import subprocess
import sys
import tempfile
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
    sys.path.insert(0, str(HERE))
    module = importlib.import_module("service")
    return TestClient(module.app)
