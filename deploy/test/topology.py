#!/usr/bin/env python3
"""The deployment in deploy/, tested: a PostgreSQL primary with a streaming replica
(pg_basebackup -R), three Sekisho instances started as deploy/systemd/sekisho@.service
says (its ExecStart, Environment, EnvironmentFile and credentials; systemd itself is
not run), nginx with deploy/nginx/sekisho.conf in front, and a bounded load of mixed
traffic through nginx recording every answer while the scenarios run:

  upgrade    the previous release serves; `sekisho migrate` (sekisho-migrate.service)
             runs with the new binary, then each instance is replaced by the new one
             (SIGTERM, wait, start, wait for ready): no failed request, and tokens
             issued before the upgrade still work after it
  restart    a rolling restart of the new instances: no failed request
  kill -9    one instance killed: only its requests in flight may fail
  failover   the primary stopped (503s while there is none), the replica promoted:
             every instance recovers without a restart
  at once    three instances started together on an empty database: one migrates,
             the others wait, one operator
  backup     sekisho-backup.service's command against a serving SQLite instance

Everything listens on loopback; PostgreSQL and nginx are the Debian packages, started
here in a temp folder and stopped by PID. Prints a table and exits 1 on any failure a
scenario does not allow. Stdlib only.

Usage: deploy/test/topology.py [--new BIN] [--previous BIN]
"""

import argparse
import glob
import http.client
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRET = "topology-test-secret-key-0123456789-abcdefghij"
ADMIN = ("ops@example.com", "operator password 1")
ORIGIN = "https://app.example.com"
THREADS = 4


def log(message):
    print(f"[topology {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL: a primary and its streaming replica --------------------------------


def pg_bin(name):
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs:
        sys.exit("topology: PostgreSQL is not installed (apt-get install -y postgresql)")
    return os.path.join(dirs[-1], name)


def as_postgres(command):
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + command


class Cluster:
    def __init__(self, tmp):
        self.tmp = tmp
        self.primary_port, self.replica_port = free_port(), free_port()
        self.primary = os.path.join(tmp, "primary")
        self.replica = os.path.join(tmp, "replica")

    def run(self, command, **kw):
        return subprocess.run(as_postgres(command), check=True, capture_output=True, text=True, **kw)

    def start(self, data, port):
        self.run([pg_bin("pg_ctl"), "-D", data, "-l", data + ".log", "-w", "-o",
                  f"-p {port} -k {self.tmp} -c listen_addresses=127.0.0.1", "start"])

    def stop(self, data, mode="fast"):
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", data, "-m", mode, "-w", "stop"]),
                       capture_output=True)

    def create(self):
        os.chmod(self.tmp, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres", "postgres")
        self.run([pg_bin("initdb"), "-A", "trust", "-U", "postgres", "--no-sync", "-D", self.primary])
        with open(os.path.join(self.primary, "postgresql.conf"), "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                       "fsync = off\nmax_connections = 200\n")
        self.start(self.primary, self.primary_port)
        self.run([pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
                  "-U", "postgres", "-D", self.replica, "-R", "-X", "stream"])
        self.start(self.replica, self.replica_port)
        self.sql(self.primary_port, "CREATE DATABASE sekisho")

    def sql(self, port, statement, database="postgres"):
        return self.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                         "-d", database, "-tAc", statement]).stdout.strip()

    def url(self, database="sekisho"):
        # libpq's host list: after a failover the promoted replica is found by new
        # connections; a standby is skipped (target_session_attrs).
        return (f"postgres://postgres@127.0.0.1:{self.primary_port},127.0.0.1:{self.replica_port}"
                f"/{database}?target_session_attrs=read-write&connect_timeout=2")

    def shutdown(self):
        for data in (self.replica, self.primary):
            self.stop(data, "immediate")


# --- Instances, as sekisho@.service starts them --------------------------------------


def read_unit(path):
    """The unit's settings, each key to its list of values in order."""
    unit = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith(("#", "[")):
            continue
        key, _, value = line.partition("=")
        unit.setdefault(key, []).append(value)
    return unit


def read_env_file(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    return env


class Instances:
    """Sekisho processes started the way the systemd units say."""

    def __init__(self, tmp, env_file_values, credentials):
        self.tmp = tmp
        self.env_file_values = env_file_values
        self.credentials = credentials  # name -> value, as LoadCredential hands them
        self.processes = {}

    def environment(self, unit_name, instance="", extra_env=None):
        """The unit's environment, working folder and settings, with the test's folders
        in place of /var/lib/sekisho, /var/backups/sekisho and the credentials'."""
        unit = read_unit(DEPLOY / "systemd" / unit_name)
        creds = os.path.join(self.tmp, f"credentials-{unit_name}-{instance}")
        os.makedirs(creds, exist_ok=True)
        for spec in unit.get("LoadCredential", []):
            name, _, _ = spec.partition(":")
            with open(os.path.join(creds, name), "w") as f:
                f.write(self.credentials[name] + "\n")
        data = os.path.join(self.tmp, "data")
        backups = os.path.join(self.tmp, "backups")
        os.makedirs(data, exist_ok=True)
        os.makedirs(backups, exist_ok=True)

        def expand(value):
            # systemd's specifiers; `%%` is a literal `%` (a date format's `%%d` is no %d).
            return (value.replace("%%", "\0").replace("%i", instance).replace("%d", creds)
                    .replace("\0", "%")
                    .replace("/var/lib/sekisho", data).replace("/var/backups/sekisho", backups))

        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "info"}
        for assignment in unit.get("Environment", []):
            key, _, value = expand(assignment).partition("=")
            env[key] = value
        # systemd: an EnvironmentFile's values override Environment= lines.
        if unit.get("EnvironmentFile"):
            env.update(self.env_file_values)
        env.update(extra_env or {})
        return env, expand(unit.get("WorkingDirectory", [data])[0]), unit, expand

    def command(self, unit_name, binary, instance="", extra_env=None):
        env, cwd, unit, expand = self.environment(unit_name, instance, extra_env)
        argv = expand(unit["ExecStart"][0]).split()
        argv[0] = binary
        return argv, env, cwd

    def start(self, port, binary, extra_env=None):
        argv, env, cwd = self.command("sekisho@.service", binary, str(port), extra_env)
        out = open(os.path.join(self.tmp, f"sekisho-{port}.log"), "a")
        self.processes[port] = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=out)

    def stop(self, port, sig=signal.SIGTERM, within=45):
        process = self.processes.pop(port)
        process.send_signal(sig)
        process.wait(timeout=within)

    def wait_ready(self, port, within=60):
        deadline = time.time() + within
        while time.time() < deadline:
            if port in self.processes and self.processes[port].poll() is not None:
                raise RuntimeError(f"instance {port} exited: see {self.tmp}/sekisho-{port}.log")
            status, _ = request("GET", f"127.0.0.1:{port}", "/api/health/ready")
            if status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"instance {port} not ready within {within}s")

    def migrate(self, binary, extra_env=None):
        argv, env, cwd = self.command("sekisho-migrate.service", binary, "", extra_env)
        subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True, text=True)

    def stop_all(self):
        for port in list(self.processes):
            self.processes[port].kill()
            self.processes[port].wait()
        self.processes.clear()


def request(method, host, path, body=None, headers=None, timeout=10):
    connection = http.client.HTTPConnection(host, timeout=timeout)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json", "Origin": ORIGIN, **(headers or {})})
        answer = connection.getresponse()
        return answer.status, answer.read()
    except OSError as e:
        return None, str(e).encode()
    finally:
        connection.close()


# --- nginx with deploy/nginx/sekisho.conf --------------------------------------------


class Nginx:
    def __init__(self, tmp, upstream_ports):
        self.tmp = tmp
        self.port = free_port()
        self.upstream_ports = list(upstream_ports)
        self.down = set()
        os.makedirs(os.path.join(tmp, "nginx"), exist_ok=True)
        self.write_site()
        with open(os.path.join(tmp, "nginx", "nginx.conf"), "w") as f:
            f.write(f"""worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {tmp}/nginx/nginx.pid;
error_log {tmp}/nginx/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx/access.log;
    client_body_temp_path {tmp}/nginx/body;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    include {tmp}/nginx/site.conf;
}}
""")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-t", "-c", f"{tmp}/nginx/nginx.conf"], check=True, capture_output=True)
        self.process = subprocess.Popen([nginx, "-c", f"{tmp}/nginx/nginx.conf", "-g", "daemon off;"])
        deadline = time.time() + 10
        while request("GET", self.host, "/api/health/live")[0] != 200:
            if time.time() > deadline:
                raise RuntimeError("nginx does not answer")
            time.sleep(0.1)

    def write_site(self):
        """deploy/nginx/sekisho.conf with the test's ports, the servers taken out
        marked `down`, and no TLS (the operator's certificate; the test speaks HTTP)."""
        site = open(DEPLOY / "nginx" / "sekisho.conf").read()
        ports = iter(self.upstream_ports)
        lines = []
        for line in site.splitlines():
            stripped = line.strip()
            if stripped.startswith("server 127.0.0.1:"):
                port = next(ports)
                rest = stripped.split(" ", 2)[2] if stripped.count(" ") >= 2 else ";"
                if port in self.down:
                    rest = rest.rstrip(";") + " down;"
                line = f"    server 127.0.0.1:{port} {rest}"
            elif stripped == "listen 443 ssl;":
                line = f"    listen 127.0.0.1:{self.port};"
            elif stripped.startswith(("http2 on", "ssl_certificate")):
                continue
            lines.append(line)
        with open(os.path.join(self.tmp, "nginx", "site.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def take_out(self, port, out=True):
        """An instance out of (or back into) the upstream, by a reload: new requests go
        to the others, and the old workers finish what they hold."""
        (self.down.add if out else self.down.discard)(port)
        self.write_site()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-c", f"{self.tmp}/nginx/nginx.conf", "-s", "reload"], check=True,
                       capture_output=True)
        time.sleep(1.5)

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        self.process.wait()


# --- The load: mixed traffic, every answer recorded ----------------------------------


class Client:
    """One user's browser and API client on a kept-alive connection through nginx."""

    resent = 0  # requests sent again after a kept-alive connection closed unanswered

    def __init__(self, host):
        self.host = host
        self.connection = None
        self.cookies = {}
        self.email = f"load-{uuid.uuid4().hex[:12]}@example.com"
        self.pair = None

    def call(self, method, path, body=None, bearer=None):
        headers = {"Content-Type": "application/json", "Origin": ORIGIN}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        for attempt in (1, 2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, timeout=30)
            try:
                self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                        headers=headers)
                answer = self.connection.getresponse()
                data = answer.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A kept-alive connection closed by nginx (a reload ends its old
                # workers' idle connections) before any answer: sent again once on a
                # new connection, as browsers do. Counted, and a second failure fails.
                self.connection = None
                if not reused or attempt == 2:
                    return None, str(e).encode()
                Client.resent += 1
            except OSError as e:
                # Any other connection error at the client: a failure.
                self.connection = None
                return None, str(e).encode()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";")[0]
                key, _, cookie = pair.partition("=")
                if cookie and "max-age=0" not in value.lower():
                    self.cookies[key] = cookie
                else:
                    self.cookies.pop(key, None)
        if (answer.getheader("connection") or "").lower() == "close":
            self.connection.close()
            self.connection = None
        return answer.status, data

    @property
    def signed_in(self):
        return any(name.endswith("access_token") for name in self.cookies)


class Load:
    def __init__(self, host):
        self.host = host
        self.records = []  # (time, operation, status or None, seconds)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(THREADS)]

    def record(self, operation, status, started, body=b""):
        with self.lock:
            self.records.append((time.time(), operation, status, time.time() - started, body[:200]))

    def run(self, index):
        client = Client(self.host)
        password = "load password 1"
        step = 0
        while not self.stopping.is_set():
            step += 1
            started = time.time()
            if not client.signed_in:
                status, body = client.call("POST", "/api/v1/auth/signup", {"email": client.email, "password": password})
                if status == 400:  # made before: sign in instead
                    status, body = client.call("POST", "/api/v1/auth/login", {"email": client.email, "password": password})
                self.record("sign-up/login", status, started, body)
                continue
            kind = step % 6
            if kind == 0:
                status, body = client.call("GET", "/api/v1/auth/me")
                self.record("me (cookie)", status, started, body)
            elif kind == 1:
                status, body = client.call("POST", "/api/v1/auth/token", {"email": client.email, "password": password})
                if status == 200:
                    client.pair = json.loads(body)
                self.record("token", status, started, body)
            elif kind == 2 and client.pair:
                status, body = client.call("GET", "/api/v1/auth/me", bearer=client.pair["token"])
                self.record("me (bearer)", status, started, body)
            elif kind == 3 and client.pair:
                status, body = client.call("POST", "/api/v1/auth/refresh", {"refreshToken": client.pair["refreshToken"]})
                if status == 200:
                    client.pair = json.loads(body)
                self.record("refresh", status, started, body)
            elif kind == 4:
                status, body = client.call("GET", "/admin/login")
                self.record("panel", status, started, body)
            elif kind == 5 and step % 12 == 5:
                status, body = client.call("POST", "/api/v1/auth/logout")
                self.record("logout", status, started, body)
            else:
                status, body = client.call("GET", "/api/v1/greeting")
                self.record("greeting", status, started, body)

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def window(self, start, end):
        with self.lock:
            return [r for r in self.records if start <= r[0] < end]


def failed(record):
    _, operation, status, _, _ = record
    if status is None or status >= 500:
        return True
    # A signed-in user refused: a session lost on the way.
    return status == 401 and operation in ("me (cookie)", "me (bearer)", "refresh")


def p99(records):
    times = sorted(r[3] for r in records)
    if not times:
        return 0.0
    return times[min(len(times) - 1, int(len(times) * 0.99))] * 1000


# --- The scenarios -------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--new", default=str(ROOT / "target/release/sekisho"))
    parser.add_argument("--previous", default=str(ROOT / "target/previous-release/debug/sekisho"))
    args = parser.parse_args()
    args.new, args.previous = os.path.abspath(args.new), os.path.abspath(args.previous)
    for binary in (args.new, args.previous):
        if not os.access(binary, os.X_OK):
            sys.exit(f"topology: no binary at {binary}")

    env_example = read_env_file(DEPLOY / "sekisho.env.example")
    unit = read_unit(DEPLOY / "systemd" / "sekisho@.service")
    stop_timeout = int(unit["TimeoutStopSec"][0])
    drain_and_finish = int(env_example["SHUTDOWN_DRAIN_SECONDS"]) + int(env_example["SHUTDOWN_TIMEOUT_SECONDS"])
    if stop_timeout <= drain_and_finish:
        sys.exit(f"topology: TimeoutStopSec={stop_timeout} is not above the drain and timeout ({drain_and_finish}s)")

    tmp = tempfile.mkdtemp(prefix="sekisho-topology.")
    cluster = Cluster(tmp)
    instances = None
    nginx = None
    rows = []
    problems = []
    started_all = time.time()
    try:
        log(f"PostgreSQL primary :{cluster.primary_port}, replica :{cluster.replica_port} (pg_basebackup -R)")
        cluster.create()
        # The example environment, with the test's origins and its limits off (one
        # load generator is every client here).
        env_file = dict(env_example)
        env_file.update({"RATE_LIMIT_ENABLED": "false", "ADMIN_EMAIL": ADMIN[0], "ADMIN_PASSWORD": ADMIN[1]})
        instances = Instances(tmp, env_file, {"secret_key": SECRET, "database_url": cluster.url()})
        ports = [free_port() for _ in range(3)]
        log(f"the previous release on :{ports[0]} :{ports[1]} :{ports[2]}")
        # The previous release reads no NAME_FILE and no host list: plain variables, the
        # primary alone.
        previous_env = {"SECRET_KEY": SECRET,
                        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster.primary_port}/sekisho"}
        for port in ports:
            instances.start(port, args.previous, previous_env)
        for port in ports:
            instances.wait_ready(port)
        nginx = Nginx(tmp, ports)
        log(f"nginx on :{nginx.port}")

        # Tokens issued by the previous release, checked after the upgrade.
        before = Client(nginx.host)
        status, _ = before.call("POST", "/api/v1/auth/signup", {"email": "before@example.com", "password": "before password 1"})
        assert status == 201, status
        status, body = before.call("POST", "/api/v1/auth/token", {"email": "before@example.com", "password": "before password 1"})
        assert status == 200, status
        pair_before = json.loads(body)

        load = Load(nginx.host)
        load.start()

        def scenario(name, allowed, action):
            start = time.time()
            resent_before = Client.resent
            detail = action() or ""
            if Client.resent > resent_before:
                detail = f"{detail}; {Client.resent - resent_before} resent on a closed kept-alive connection".lstrip("; ")
            end = time.time()
            records = load.window(start, end)
            failures = [r for r in records if failed(r)]
            limit = allowed(start, end) if callable(allowed) else allowed
            rows.append((name, len(records), len(failures), limit, p99(records), detail))
            if len(failures) > limit:
                problems.append(f"{name}: {len(failures)} failed requests, {limit} allowed: "
                                + "; ".join(f"{r[1]} -> {r[2]} {r[4]!r}" for r in failures[:5]))
            if not records:
                problems.append(f"{name}: no request was made")

        scenario("steady (previous release)", 0, lambda: time.sleep(4))

        def upgrade():
            instances.migrate(args.new)
            for port in ports:
                # The previous release does not drain on SIGTERM (it closes its
                # listener and pooled connections at once): the proxy drains it
                # instead, as CHANGELOG.md's upgrade note says.
                nginx.take_out(port)
                instances.stop(port)
                instances.start(port, args.new)
                instances.wait_ready(port)
                nginx.take_out(port, out=False)
            time.sleep(2)
            checks = [
                before.call("GET", "/api/v1/auth/me")[0],
                before.call("GET", "/api/v1/auth/me", bearer=pair_before["token"])[0],
                before.call("POST", "/api/v1/auth/refresh", {"refreshToken": pair_before["refreshToken"]})[0],
            ]
            if checks != [200, 200, 200]:
                problems.append(f"upgrade: tokens from before it answered {checks} (cookie, bearer, refresh)")
            return "pre-upgrade cookie, bearer, refresh: " + ",".join(map(str, checks))

        scenario("rolling upgrade", 0, upgrade)

        def restart():
            for port in ports:
                instances.stop(port)
                instances.start(port, args.new)
                instances.wait_ready(port)
            time.sleep(2)

        scenario("rolling restart", 0, restart)

        def kill():
            time.sleep(1)
            instances.stop(ports[1], signal.SIGKILL, within=5)
            time.sleep(3)
            instances.start(ports[1], args.new)
            instances.wait_ready(ports[1])
            time.sleep(1)

        # Only what was in flight on the killed instance may fail: at most one request
        # per load thread.
        scenario("kill -9 one instance", THREADS, kill)

        recovered = {}

        def failover():
            time.sleep(1)
            cluster.stop(cluster.primary, "immediate")
            stopped = time.time()
            time.sleep(3)
            reasons = []
            for port in ports:
                status, body = request("GET", f"127.0.0.1:{port}", "/api/health/ready")
                reasons.append(f":{port} {status}")
                if status == 200:
                    problems.append(f"failover: :{port} said ready with no primary")
            cluster.run([pg_bin("pg_ctl"), "-D", cluster.replica, "-w", "promote"])
            deadline = time.time() + 60
            waiting = set(ports)
            while waiting and time.time() < deadline:
                for port in list(waiting):
                    if request("GET", f"127.0.0.1:{port}", "/api/health/ready")[0] == 200:
                        waiting.discard(port)
                time.sleep(0.2)
            if waiting:
                problems.append(f"failover: {sorted(waiting)} not ready 60 s after the promotion")
            recovered["at"] = time.time()
            time.sleep(3)
            return (f"no primary: {', '.join(reasons)}; all ready {recovered['at'] - stopped:.1f}s "
                    f"after the stop")

        def failover_allowed(start, end):
            # Anything may fail while there is no primary; nothing after recovery.
            after = [r for r in load.window(recovered.get("at", end), end) if failed(r)]
            if after:
                problems.append(f"failover: {len(after)} failed after recovery")
            return len([r for r in load.window(start, recovered.get("at", end)) if failed(r)])

        scenario("primary stopped, replica promoted", failover_allowed, failover)
        load.stop()

        # Three instances at once on an empty database.
        cluster.sql(cluster.replica_port, "CREATE DATABASE fresh")
        fresh = Instances(tmp, env_file, {"secret_key": SECRET, "database_url": cluster.url("fresh")})
        fresh_ports = [free_port() for _ in range(3)]
        start = time.time()
        for port in fresh_ports:
            fresh.start(port, args.new, {"MIGRATE_ON_START": "true"})
        for port in fresh_ports:
            fresh.wait_ready(port)
        operators = cluster.sql(cluster.replica_port, "SELECT count(*) FROM users WHERE role = 'admin'", "fresh")
        expected = len([d for d in os.listdir(ROOT / "migrations" / "postgres") if d[0].isdigit()])
        applied = cluster.sql(cluster.replica_port, "SELECT count(*) FROM __diesel_schema_migrations", "fresh")
        fresh.stop_all()
        detail = f"{operators} operator, {applied} of {expected} migrations"
        rows.append(("3 at once on an empty database", 3, 0 if operators == "1" and applied == str(expected) else 1, 0,
                     (time.time() - start) * 1000, detail))
        if operators != "1" or applied != str(expected):
            problems.append(f"at once: {detail}")

        # The backup service's own command against a serving SQLite instance.
        backup_detail = run_backup_service(tmp, args.new)
        rows.append(("backup service (SQLite)", 1, 0 if backup_detail.startswith("ok") else 1, 0, 0.0, backup_detail))
        if not backup_detail.startswith("ok"):
            problems.append(f"backup: {backup_detail}")
    except Exception as e:  # noqa: BLE001 - any setup failure fails the test, with its cause
        import traceback

        traceback.print_exc()
        problems.append(f"stopped: {e!r}")
    finally:
        if instances:
            instances.stop_all()
        if nginx:
            nginx.stop()
        cluster.shutdown()

    print()
    print(f"{'scenario':36} {'requests':>8} {'failed':>7} {'allowed':>8} {'p99 ms':>8}  notes")
    for name, count, failures, allowed, p, detail in rows:
        print(f"{name:36} {count:8} {failures:7} {allowed:8} {p:8.0f}  {detail}")
    print(f"\ntotal {time.time() - started_all:.0f}s; logs in {tmp}")
    if problems:
        print("\nFAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


def run_backup_service(tmp, binary):
    """sekisho-backup.service's commands, with its environment, while an instance
    serves the SQLite file."""
    data = os.path.join(tmp, "data")
    url = f"sqlite://{data}/auth.db"
    instances = Instances(tmp, {"MIGRATE_ON_START": "true"}, {"secret_key": SECRET, "database_url": url})
    port = free_port()
    instances.start(port, binary)
    try:
        instances.wait_ready(port)
        env, cwd, unit, expand = instances.environment("sekisho-backup.service")
        for key in ("ExecStart", "ExecStartPost"):
            # The binary's path is the test's.
            command = expand(unit[key][0]).replace("/usr/local/bin/sekisho", binary)
            script = command.removeprefix("/bin/sh -c ").strip("'")
            done = subprocess.run(["/bin/sh", "-c", script], env=env, cwd=cwd, capture_output=True, text=True)
            if done.returncode != 0:
                return f"{key} failed: {done.stderr.strip()}"
        made = sorted(glob.glob(os.path.join(tmp, "backups", "auth-*.db")))
        if len(made) != 1 or os.path.getsize(made[0]) == 0:
            return f"expected one backup, found {made}"
        return f"ok: {os.path.basename(made[0])}, {os.path.getsize(made[0])} bytes"
    finally:
        instances.stop_all()


if __name__ == "__main__":
    main()
