"""HTTP test harness: starts the real oficio binary on a free loopback port
with a temporary database, and talks to it like a browser or a script would.

Only the Python standard library: Debian's python3, no pip.
"""
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
BINARY = os.path.join(ROOT, BUILD, "oficio")
PASSWORD = "contraseña-segura-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body  # bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<%d %s>" % (self.status, self.text[:200])


class Client:
    """A cookie-keeping client, like one browser tab."""

    def __init__(self, server, token=None):
        self.server = server
        self.cookies = {}
        self.token = token
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=False):
        h = {"Accept-Language": "es"}
        if headers:
            h.update(headers)
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        data = body
        if isinstance(body, dict) and not raw:
            data = urllib.parse.urlencode(body).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(body, str):
            data = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";")[0]
                if "Max-Age=0" in v or value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        conn.close()
        m = re.search(rb'name="csrf" value="([^"]+)"', resp.body)
        if m:
            self.csrf = m.group(1).decode()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form=None, **kw):
        form = dict(form or {})
        if self.csrf and "csrf" not in form and not self.token:
            form["csrf"] = self.csrf
        return self.request("POST", path, body=form, **kw)

    def api(self, method, path, obj=None, headers=None):
        h = {"Content-Type": "application/json"}
        if self.csrf and not self.token:
            h["X-CSRF-Token"] = self.csrf
        if headers:
            h.update(headers)
        body = json.dumps(obj).encode() if obj is not None else None
        return self.request(method, path, body=body, headers=h, raw=True)

    def login(self, username, password=PASSWORD):
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password, "next": "/"})
        if r.status == 303:
            self.get("/")  # picks up the session's CSRF token
        return r


class Server:
    """One oficio process with its own database in a temporary folder."""

    def __init__(self, args=(), env=None):
        self.dir = tempfile.mkdtemp(prefix="oficio-test-")
        self.db_path = os.path.join(self.dir, "oficio.db")
        self.clock_file = os.path.join(self.dir, "clock")
        with open(self.clock_file, "w") as f:
            f.write("0")
        self.port = free_port()
        self.args = list(args)
        self.env = dict(os.environ)
        self.env["OFICIO_WEAK_HASH"] = "1"
        self.env["OFICIO_CLOCK_FILE"] = self.clock_file
        if env:
            self.env.update(env)
        self.proc = None
        self.output = b""

    def cli(self, *args, stdin=None, check=True):
        """Run `oficio ARGS --db DB`; returns CompletedProcess."""
        r = subprocess.run([BINARY] + list(args) + ["--db", self.db_path],
                           input=stdin.encode() if isinstance(stdin, str) else stdin,
                           capture_output=True, env=self.env, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError("oficio %s failed: %s" % (" ".join(args), r.stderr.decode()))
        return r

    def add_user(self, name, role, password=PASSWORD, display=None):
        args = ["user", "add", name, "--role", role, "--password-stdin"]
        if display:
            args += ["--name", display]
        self.cli(*args, stdin=password + "\n")

    def token(self, name):
        r = self.cli("token", "create", name)
        return r.stdout.decode().strip().splitlines()[-1]

    def start(self):
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--db", self.db_path, "--listen", "127.0.0.1:%d" % self.port,
             "--threads", "2"] + self.args,
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited: " + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("server did not start")

    def read_log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, token=None):
        return Client(self, token)

    def db(self):
        """A read connection to the database, for checking what was stored."""
        c = sqlite3.connect(self.db_path, timeout=10)
        c.row_factory = sqlite3.Row
        return c

    def query(self, sql, *params):
        c = self.db()
        try:
            return [tuple(r) for r in c.execute(sql, params).fetchall()]
        finally:
            c.close()

    def scalar(self, sql, *params):
        rows = self.query(sql, *params)
        return rows[0][0] if rows else None

    def advance_days(self, days):
        """Move the server's clock forward (tests only)."""
        with open(self.clock_file) as f:
            off = int(f.read().strip() or 0)
        with open(self.clock_file, "w") as f:
            f.write(str(off + int(days * 86400)))
