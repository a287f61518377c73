"""Starting `zoning serve` on a free loopback port for a test, and stopping it."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from conftest import db_url, zoning_bin


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`zoning serve --db DB`: DB is a test database path (its log beside it),
    mapped by conftest.db_url to a PostgreSQL database under ZONING_TEST_PG."""

    def __init__(self, db, port=None, log=None, args=()):
        self.db, self.port = db, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = None
        self.log_path = log or f"{db}.log"
        self.args = [str(a) for a in args]

    def start(self, timeout=60):
        env = dict(os.environ, ZONING_LOG="warn")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([zoning_bin(), "serve", "--db", db_url(self.db), "--bind", f"127.0.0.1:{self.port}", *self.args],
                                     stdout=self.log, stderr=self.log, env=env, cwd="/")
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise RuntimeError(f"zoning serve exited with {self.proc.returncode}: {self.log_tail()}")
        raise RuntimeError(f"zoning serve did not answer /health in time: {self.log_tail()}")

    def log_tail(self, lines=15):
        """The end of the server's log (stdout and stderr), for failure messages."""
        try:
            self.log.flush()
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()
        if self.log:
            self.log.close()

    def request(self, method, path, body=None, token=None, headers=None, timeout=30):
        data = None
        h = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/geo+json")
        if token:
            h["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def add_user(db, name, role):
    out = subprocess.run([zoning_bin(), "user", "add", "--db", db_url(db), "--name", name, "--role", role],
                         capture_output=True, text=True, check=True, timeout=60)
    token = out.stdout.strip()
    assert token.startswith("zt_") and "\n" not in token
    return token
