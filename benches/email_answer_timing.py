#!/usr/bin/env python3
"""Whether /sign-in/email says anything about an address by its timing: the answer for
an unknown, a known and a disabled address, against /forgot-password's (which answers
before it looks the address up). One release server on SQLite pinned to core 0 (the
client on core 1), rate limits off, requests interleaved round by round on fresh
connections; prints each kind's median and 90th percentile and their ratio to
forgot-password's median. Stdlib only.

Usage: benches/email_answer_timing.py [ROUNDS]   (default 300; SEKISHO_BIN to choose
the binary, default target/release/sekisho)
"""

import http.client
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINARY = os.environ.get("SEKISHO_BIN", str(ROOT / "target/release/sekisho"))
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 300


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json", **(headers or {})})
    answer = connection.getresponse()
    data = answer.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return answer.status, data, elapsed


def main():
    if not os.access(BINARY, os.X_OK):
        sys.exit(f"no binary at {BINARY}: cargo build --release")
    tmp = tempfile.mkdtemp(prefix="sekisho-email-timing.")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite://{tmp}/auth.db",
        "DATA_DIR": tmp,
        "BIND": f"127.0.0.1:{port}",
        "SECRET_KEY": "email-timing-bench-secret-key-0123456789abcdef",
        "RATE_LIMIT_ENABLED": "false",
        "RUST_LOG": "warn",
    }
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    server = subprocess.Popen(pin + [BINARY, "serve"], env=env, cwd=tmp,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if shutil.which("taskset"):
        os.sched_setaffinity(0, {1})
    try:
        for _ in range(200):
            try:
                if call(port, "GET", "/api/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        for email in ("known@example.com", "banned@example.com"):
            status, _, _ = call(port, "POST", "/api/v1/auth/signup",
                                {"email": email, "password": "a long password 1"})
            assert status == 201, status
        key = subprocess.run([BINARY, "management-key", "create", "bench", "--scopes", "users:read,users:write"],
                             env=env, cwd=tmp, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        auth = {"Authorization": f"Bearer {key}"}
        status, listed, _ = call(port, "GET", "/api/v1/admin/users?q=banned", headers=auth)
        users = json.loads(listed)["users"]
        banned = next(u for u in users if u["email"] == "banned@example.com")
        status, _, _ = call(port, "POST", f"/api/v1/admin/users/{banned['id']}/ban", {"reason": "abuse"}, auth)
        assert status == 200, status

        kinds = {
            "forgot-password (known)": ("/api/v1/auth/forgot-password", "known@example.com"),
            "sign-in/email unknown": ("/api/v1/auth/sign-in/email", "nobody@example.com"),
            "sign-in/email known": ("/api/v1/auth/sign-in/email", "known@example.com"),
            "sign-in/email disabled": ("/api/v1/auth/sign-in/email", "banned@example.com"),
        }
        times = {kind: [] for kind in kinds}
        bodies = {kind: set() for kind in kinds}
        for _ in range(ROUNDS):
            for kind, (path, email) in kinds.items():
                status, body, elapsed = call(port, "POST", path, {"email": email})
                assert status == 200, (kind, status, body)
                times[kind].append(elapsed)
                bodies[kind].add(body)
        sign_in_bodies = set().union(*(bodies[k] for k in kinds if k.startswith("sign-in")))
        print(f"{ROUNDS} rounds; sign-in/email bodies: {len(sign_in_bodies)} distinct")
        base = statistics.median(times["forgot-password (known)"])
        print(f"{'kind':26} {'median us':>10} {'p90 us':>8} {'median / forgot':>16}")
        for kind, samples in times.items():
            samples.sort()
            median = statistics.median(samples)
            p90 = samples[int(len(samples) * 0.9)]
            print(f"{kind:26} {median * 1e6:10.0f} {p90 * 1e6:8.0f} {median / base:16.2f}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
