"""Operations: /healthz and /metrics (and who may read them), the second
--metrics-listen address, the JSON access log, `oficio --version`,
`oficio check` and `oficio backup` on a live database, SIGTERM while a
slow request is in flight, and a restart that keeps everything.

Its own module: it stops and restarts the server (last tests).
"""
import glob
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse

import harness
from util import check, json_error, redirect_to, status

S = {}
METRICS_PORT = harness.free_port()
MD = "# Devoluciones\n\nCon **tique** y dentro de plazo.\n\n- [ ] Comprobar la fecha\n"
MD2 = MD + "\n- [ ] Firmar el recibo\n"


def make_server():
    return harness.Server(args=["--log-format", "json",
                                "--metrics-listen", "127.0.0.1:%d" % METRICS_PORT])


def setup(srv):
    srv.add_user("adm", "admin", display="Ada Admin")
    srv.add_user("red", "editor", display="Rita Redactora")
    srv.add_user("lec", "reader", display="Leo Lector")
    S["adm"] = srv.token("adm")
    S["red"] = srv.token("red")
    S["lec"] = srv.token("lec")


def highest_schema():
    files = glob.glob(os.path.join(harness.ROOT, "schema", "[0-9][0-9][0-9]_*.sql"))
    return max(int(os.path.basename(f)[:3]) for f in files)


def promtool():
    path = shutil.which("promtool")
    check(path is not None, "promtool is missing: install Debian's prometheus "
          "(make test does: sh .ci/deps test)")
    return path


def metric(text, name, labels=""):
    """The value of one sample, or None."""
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    return float(m.group(1)) if m else None


def get_plain(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Content-Type") or "", body


# ---- /healthz and /metrics ----

def test_healthz_without_login(srv):
    r = status(srv.client().get("/healthz"), 200)
    check((r.header("Content-Type") or "").startswith("application/json"),
          "/healthz is %r", r.header("Content-Type"))
    j = r.json()
    check(j.get("status") == "ok", "/healthz: %r", j)
    check(j.get("schema") == highest_schema(), "/healthz schema %r, expected %d",
          j.get("schema"), highest_schema())
    check("Set-Cookie" not in str(r.headers), "/healthz sets a cookie: %r", r.headers)


def test_metrics_anonymous_is_sent_to_login(srv):
    r = srv.client().get("/metrics")
    check(r.status in (302, 303, 401), "anonymous /metrics: %d", r.status)
    if r.status != 401:
        redirect_to(r, "/login")
    check(b"oficio_" not in r.body, "anonymous /metrics shows metrics")


def test_metrics_forbidden_below_admin(srv):
    for who in ("lec", "red"):
        r = srv.client(token=S[who]).get("/metrics")
        check(r.status == 403, "%s on /metrics: %d", who, r.status)
        check(b"oficio_http_requests_total" not in r.body, "%s sees metrics", who)
    c = srv.client()
    redirect_to(c.login("red"), "/")
    check(c.get("/metrics").status == 403, "editor session on /metrics is not 403")


def test_metrics_for_admin_after_traffic_pass_promtool(srv):
    # Traffic: a good login, a failed one, searches (one finds nothing),
    # a save, a 404.
    c = srv.client()
    redirect_to(c.login("adm"), "/")
    bad = srv.client().login("lec", "contraseña-equivocada")
    check(bad.status == 401, "wrong password: %d", bad.status)
    red = srv.client(token=S["red"])
    status(red.api("PUT", "/api/v1/pages/devoluciones", {"title": "Devoluciones", "markdown": MD}),
           201)
    status(red.api("PUT", "/api/v1/pages/devoluciones",
                   {"title": "Devoluciones", "markdown": MD2, "base_rev": 1}), 200)
    status(c.get("/search?q=devoluciones"), 200)
    status(red.get("/api/v1/search?q=tique"), 200)
    status(red.get("/api/v1/search?q=zzzxqwk"), 200)
    status(c.get("/p/no-existe-en-absoluto"), 404)

    r = status(srv.client(token=S["adm"]).get("/metrics"), 200)
    check((r.header("Content-Type") or "").startswith("text/plain"),
          "/metrics is %r", r.header("Content-Type"))
    text = r.text
    check(metric(text, "oficio_logins_total", '{result="ok"}') >= 1, "no ok login counted")
    check(metric(text, "oficio_logins_total", '{result="failed"}') >= 1, "no failed login counted")
    check(metric(text, "oficio_saves_total") >= 2, "saves not counted:\n%s", text[-1500:])
    check(metric(text, "oficio_searches_total") >= 3, "searches not counted")
    check(metric(text, "oficio_searches_zero_hits_total") >= 1, "zero-hit search not counted")
    check(re.search(r'^oficio_http_requests_total\{route="[^"]*",status="404"\} [1-9]', text, re.M),
          "no 404 counted:\n%s", text[:2000])
    check(re.search(r'^oficio_http_request_duration_seconds_bucket\{route="/p/\{slug\}",le="\+Inf"\} ',
                    text, re.M), "no latency histogram for /p/{slug}")
    check(metric(text, "oficio_pages", '{status="published"}') >= 1, "pages gauge")
    check(metric(text, "oficio_users") == 3, "users gauge: %r", metric(text, "oficio_users"))
    check(metric(text, "oficio_database_bytes") > 0, "database size")
    p = subprocess.run([promtool(), "check", "metrics"], input=r.body, capture_output=True,
                       timeout=60)
    check(p.returncode == 0, "promtool check metrics failed:\n%s%s",
          p.stdout.decode(), p.stderr.decode())


def test_wal_is_checkpointed_by_the_checkpoint_thread(srv):
    # Saves that write well over 1,000 WAL pages (4 MB): the checkpoint
    # thread, not the saving request, copies the WAL into the database.
    red = srv.client(token=S["red"])
    adm = srv.client(token=S["adm"])
    before = metric(status(adm.get("/metrics"), 200).text, "oficio_wal_checkpoints_total")
    check(before is not None, "no oficio_wal_checkpoints_total")
    lines = ["- [ ] Paso %d: comprobar el tique %d y la fecha de compra\n" % (i, i * 7919)
             for i in range(4000)]
    rev = None
    for i in range(6):
        lines[i * 17] = "- [ ] Cambio %d del paso\n" % i
        body = {"title": "Manual largo", "markdown": "".join(lines)}
        if rev:
            body["base_rev"] = rev
        rev = status(red.api("PUT", "/api/v1/pages/manual-largo", body),
                     201 if rev is None else 200).json()["rev"]
    after = before
    for _ in range(50):
        after = metric(status(adm.get("/metrics"), 200).text, "oficio_wal_checkpoints_total")
        if after > before:
            break
        time.sleep(0.1)
    check(after > before, "no checkpoint by the thread after 6 long saves (%r -> %r)",
          before, after)
    page = status(red.api("GET", "/api/v1/pages/manual-largo"), 200).json()
    check(page["rev"] == rev and "Cambio 5 del paso" in page["markdown"],
          "the last save is not what is read back")


def test_connections_spread_over_the_loops(srv):
    # Eight keep-alive clients connecting at once (the harness runs two
    # loops). The first loop to wake used to take every connection
    # waiting, so one core served them all while the other idled; now a
    # loop accepts only while it has no more open than the other.
    conns = []
    try:
        for _ in range(8):
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
            c.connect()
            conns.append(c)
        for c in conns:  # each accepted and answered, on whichever loop
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            check(r.status == 200, "/healthz: %d", r.status)
        text = status(srv.client(token=S["adm"]).get("/metrics"), 200).text
        loops = [int(n) for n in re.findall(r'^oficio_loop_connections\{loop="\d+"\} (\d+)$',
                                            text, re.M)]
        check(len(loops) == 2, "loops in /metrics: %r", loops)
        check(sum(loops) >= 9, "the eight and the one asking are not all counted: %r", loops)
        check(max(loops) - min(loops) <= 2, "connections not spread over the loops: %r", loops)
    finally:
        for c in conns:
            c.close()


def test_searches_shared_between_the_loops(srv):
    # Searches not in the cache go to one queue for both loops: the next
    # free loop runs the oldest, and the request's own loop sends the
    # answer. Eight keep-alive clients search at once, each question once;
    # each must get the answer to its own, the same bytes as when asked
    # alone. Clients that hang up with their search still queued must not
    # disturb the others.
    words = ["albaran", "presupuesto", "factura", "garantia", "inventario", "nomina"]
    for i, w in enumerate(words):
        r = srv.client(token=S["red"]).api("PUT", "/api/v1/pages/compartida-%d" % i, {
            "title": "Compartida %s" % w, "kind": "procedure", "base_rev": 0,
            "markdown": "Paso %d: revisar el %s antes de cerrar la caja.\n" % (i, w)})
        check(r.status in (200, 201), "save %s: %r", w, r)
    rounds = 30
    questions = words + ["revisar " + w for w in words]
    paths = ["/api/v1/search?" + urllib.parse.urlencode({"q": q, "limit": n})
             for n in range(1, 21) for q in questions]
    check(len(set(paths)) == 8 * rounds, "%d questions", len(set(paths)))
    alone = {}
    for p in paths:
        r = status(srv.client(token=S["red"]).get(p), 200)
        check(r.json()["total"] >= 1, "%s finds nothing", p)
        alone[p] = r.body
    # Any write empties the cache (a login too, which leaves the answers
    # as they are): every question below is run again.
    status(srv.client().login("red"), 303)

    def shared():
        text = status(srv.client(token=S["adm"]).get("/metrics"), 200).text
        return [metric(text, "oficio_shared_requests_total", '{ran_on="%s"}' % k) or 0
                for k in ("own", "other")]

    before = shared()
    wrong, errors = [], []

    def client(k):
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        try:
            for i in range(rounds):
                p = paths[k * rounds + i]
                c.request("GET", p, headers={"Authorization": "Bearer " + S["red"]})
                r = c.getresponse()
                body = r.read()
                if r.status != 200 or body != alone[p]:
                    wrong.append((k, p, r.status, body[:120]))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append((k, repr(e)))
        finally:
            c.close()

    def hang_up(k):
        for i in range(10):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                       % (paths[(k + i) % len(paths)], S["red"])).encode())
            s.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    threads += [threading.Thread(target=hang_up, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "clients failed: %r", errors)
    check(not wrong, "%d answers were not the client's own: %r", len(wrong), wrong[:3])
    after = shared()
    own, other = after[0] - before[0], after[1] - before[1]
    # Every search counted once (the 8 x 30, and those hung up on that
    # were read before the hang-up was seen and missed the cache: up to 20
    # more); a search found in the cache is answered by its own loop.
    check(8 * rounds <= own + other <= 8 * rounds + 20, "searches counted: own %d, other %d",
          own, other)
    check(other > 0, "no search was run by the other loop (own %d)", own)
    for p in paths[:2]:
        r = status(srv.client(token=S["red"]).get(p), 200)
        check(r.body == alone[p], "after the hang-ups, %s answers %r", p, r.body[:200])


def test_metrics_listen_answers_without_login(srv):
    st, ct, body = get_plain(METRICS_PORT, "/metrics")
    check(st == 200, "/metrics on --metrics-listen: %d %r", st, body[:200])
    check(ct.startswith("text/plain"), "content type %r", ct)
    check(b"oficio_http_requests_total" in body and b"oficio_logins_total" in body,
          "metrics body: %r", body[:300])
    p = subprocess.run([promtool(), "check", "metrics"], input=body, capture_output=True,
                       timeout=60)
    check(p.returncode == 0, "promtool on --metrics-listen:\n%s%s",
          p.stdout.decode(), p.stderr.decode())
    st, ct, body = get_plain(METRICS_PORT, "/healthz")
    check(st == 200 and json.loads(body).get("status") == "ok", "/healthz there: %d %r", st, body)
    # Nothing else is served on the metrics address.
    for path in ("/", "/login", "/p/devoluciones", "/api/v1/pages", "/static/oficio.css"):
        st, ct, body = get_plain(METRICS_PORT, path)
        check(st == 404, "%s on the metrics address: %d", path, st)
        check(b"Devoluciones" not in body, "%s leaks content on the metrics address", path)


# ---- the access log ----

def log_lines(srv, want, timeout=5):
    """The server's output lines once `want` (a substring, or each of a
    tuple of them) appears. Each loop writes its own lines: requests on
    different connections may appear in any order."""
    wants = want if isinstance(want, tuple) else (want,)
    deadline = time.time() + timeout
    while True:
        text = srv.read_log()
        if all(w in text for w in wants) or time.time() > deadline:
            return text.splitlines()
        time.sleep(0.1)


def test_json_access_log(srv):
    c = srv.client(token=S["red"])
    marker = "/p/registro-json-%d" % os.getpid()
    status(c.get(marker), 404)
    # Paths with characters JSON must escape: a quote, a backslash, a tab.
    status(c.get("/p/a%22b%5Cc%09d"), 400, 404)
    status(c.get("/search?q=%22comillas%22"), 200)
    lines = log_lines(srv, ("registro-json", 'a\\"b'))
    entries = []
    for line in lines:
        if not line.startswith("{"):
            # The server's own messages ("oficio ... listening on ...").
            check(line.startswith("oficio"), "a log line that is neither JSON nor the server's: %r",
                  line)
            continue
        try:
            entries.append(json.loads(line))
        except ValueError as e:
            raise AssertionError("not one JSON object per line: %r (%s)" % (line, e))
    check(len(entries) >= 20, "only %d JSON log lines", len(entries))
    for e in entries:
        for key, typ in (("time", str), ("method", str), ("path", str), ("status", int),
                         ("bytes", int), ("us", int), ("addr", str)):
            check(isinstance(e.get(key), typ), "log entry without %s: %r", key, e)
    mine = [e for e in entries if e["path"] == marker]
    check(len(mine) == 1, "the request for %s is logged %d times", marker, len(mine))
    check(mine[0]["status"] == 404 and mine[0]["method"] == "GET" and
          mine[0]["addr"] == "127.0.0.1", "log entry: %r", mine[0])
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", mine[0]["time"]), "time %r",
          mine[0]["time"])
    check(any('"' in e["path"] and "\\" in e["path"] for e in entries),
          "the path with a quote and a backslash is not logged: %r", [e["path"] for e in entries][-5:])
    # No secret reaches the log: no token, no password, no session cookie.
    text = "\n".join(lines)
    for secret in (S["adm"], S["red"], S["lec"], harness.PASSWORD):
        check(secret not in text, "a secret is in the access log")


def test_json_access_log_raw_bytes(srv):
    """A request line may carry raw bytes that are not UTF-8 (evhttp passes
    them through; the path decoder then refuses them with 400). The log
    line must still be one valid JSON object."""
    marker = b"/p/raw-\xff\xfe-%d" % os.getpid()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"GET " + marker + b" HTTP/1.0\r\n\r\n")
    s.recv(65536)
    s.close()
    deadline = time.time() + 5
    line = None
    while line is None and time.time() < deadline:
        with open(os.path.join(srv.dir, "server.log"), "rb") as f:
            line = next((l for l in f.read().splitlines() if b"raw-" in l), None)
        time.sleep(0.1)
    check(line is not None, "the request is not logged")
    try:
        e = json.loads(line.decode("utf-8"))
    except ValueError as err:
        raise AssertionError("log line is not valid JSON (UTF-8): %r (%s)" % (line, err))
    check(e.get("status") == 400, "log entry: %r", e)


# ---- the command line ----

def test_version_prints_version_and_schema(srv):
    r = subprocess.run([harness.BINARY, "--version"], capture_output=True, timeout=30)
    out = r.stdout.decode()
    check(r.returncode == 0, "--version exit %d", r.returncode)
    m = re.match(r"^oficio (\d+\.\d+\.\d+) \(schema (\d+)\)$", out.strip())
    check(m, "--version printed %r", out)
    check(int(m.group(2)) == highest_schema(), "--version schema %s, schema/ has %d",
          m.group(2), highest_schema())
    j = status(srv.client().get("/healthz"), 200).json()
    check(j.get("version") == m.group(1), "/healthz version %r, --version %r", j.get("version"),
          m.group(1))


def test_check_on_a_live_database(srv):
    # Writers keep going while it runs.
    stop = threading.Event()
    errors = []

    def write():
        c = srv.client(token=S["red"])
        base = None
        i = 0
        while not stop.is_set():
            i += 1
            body = {"title": "Mientras se comprueba", "markdown": "Versión %d\n" % i}
            if base:
                body["base_rev"] = base
            r = c.api("PUT", "/api/v1/pages/mientras-check", body)
            if r.status not in (200, 201):
                errors.append(r)
                return
            base = r.json()["rev"]

    t = threading.Thread(target=write)
    t.start()
    try:
        time.sleep(0.2)
        r = srv.cli("check", check=False)
    finally:
        stop.set()
        t.join()
    out = r.stdout.decode()
    check(r.returncode == 0, "oficio check on a live database: %d\n%s%s", r.returncode, out,
          r.stderr.decode())
    check("check: ok" in out, "oficio check printed %r", out)
    check(not errors, "saves failed while checking: %r", errors[:1])


def test_backup_while_serving_and_restore(srv):
    dest = os.path.join(srv.dir, "copia.db")
    r = srv.cli("backup", dest)
    check("backup: checked, ok" in r.stdout.decode(), "backup printed %r", r.stdout.decode())
    # Restoring is starting a server on the copy.
    other = harness.Server()
    try:
        shutil.copy(dest, other.db_path)
        other.start()
        got = status(other.client(token=S["red"]).get("/api/v1/pages/devoluciones"), 200).json()
        check(got["markdown"] == MD2 and got["rev"] == 2, "restored page: %r", got)
        check(other.cli("check").stdout.decode().strip().endswith("check: ok"), "check of the copy")
    finally:
        other.cleanup()
    # An existing file is never overwritten.
    r = srv.cli("backup", dest, check=False)
    check(r.returncode != 0, "backup over an existing file succeeded")


# ---- stopping and starting again ----

def snapshot(srv):
    return {
        "pages": srv.query("SELECT slug, kind, title, status, current_rev FROM pages ORDER BY slug"),
        "revisions": srv.query("SELECT p.slug, r.n, r.title, r.markdown, r.author_id "
                               "FROM revisions r JOIN pages p ON p.id = r.page_id "
                               "ORDER BY p.slug, r.n"),
        "users": srv.query("SELECT username, display_name, role, pw_hash, active FROM users "
                           "ORDER BY username"),
        "tokens": srv.query("SELECT token_hash, user_id, revoked FROM api_tokens ORDER BY id"),
    }


def slow_login(srv, results, i):
    """POST /login for `lenta` on a raw socket; the full answer's status line."""
    body = "username=lenta&password=contrase%C3%B1a-lenta-1&next=%2F"
    req = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
           % (len(body), body)).encode()
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
        s.sendall(req)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        results[i] = (data, time.time())
    except OSError as e:
        results[i] = (repr(e).encode(), time.time())


def test_sigterm_finishes_a_slow_request_and_exits_0(srv):
    # A user with a real argon2id hash (the tests' OFICIO_WEAK_HASH makes
    # hashing cheap): several logins queue on the 2-thread pool, so some
    # are still being verified when SIGTERM arrives.
    env = dict(srv.env)
    env.pop("OFICIO_WEAK_HASH", None)
    r = subprocess.run([harness.BINARY, "user", "add", "lenta", "--role", "reader",
                        "--password-stdin", "--db", srv.db_path],
                       input="contraseña-lenta-1\n".encode(), capture_output=True, env=env,
                       timeout=120)
    check(r.returncode == 0, "user add: %s", r.stderr.decode())
    S["before"] = snapshot(srv)
    n = 6
    results = [None] * n
    threads = [threading.Thread(target=slow_login, args=(srv, results, i)) for i in range(n)]
    t0 = time.time()
    for t in threads:
        t.start()
    time.sleep(0.15)  # the requests are in; verification has begun
    sigterm_at = time.time()
    srv.proc.send_signal(15)
    try:
        code = srv.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        raise AssertionError("the server did not stop within 30 s of SIGTERM")
    stopped = time.time() - t0
    for t in threads:
        t.join(30)
    for i, res in enumerate(results):
        data = res[0] if res else b""
        check(data.startswith(b"HTTP/1.1 303"), "login %d in flight at SIGTERM got %r", i,
              data[:200])
        check(b"oficio_session=" in data, "login %d: no session cookie", i)
    # Otherwise the test proved nothing: some answer came after SIGTERM.
    check(max(res[1] for res in results) > sigterm_at,
          "every login was answered before SIGTERM; make them slower")
    check(code == 0, "exit status %r after SIGTERM\n%s", code, srv.read_log()[-2000:])
    log = srv.read_log()
    check("SIGTERM" in log and "stopped" in log, "no shutdown messages in the log:\n%s", log[-1000:])
    # Each loop stops listening on its own copy of the socket: the first to
    # stop used to close the one they shared, and a loop still finishing a
    # login then logged libevent's "Bad file descriptor" as it polled it.
    check("Bad file descriptor" not in log and "[warn]" not in log and "[err]" not in log,
          "libevent complained while stopping:\n%s", log[-2000:])
    S["stopped_after"] = stopped
    srv.log.close()


def test_restart_keeps_everything(srv):
    srv.start()
    after = snapshot(srv)
    for key, rows in S["before"].items():
        check(after[key] == rows, "%s changed across a restart:\nbefore %r\nafter  %r",
              key, rows[:5], after[key][:5])
    c = srv.client(token=S["red"])
    got = status(c.get("/api/v1/pages/devoluciones"), 200).json()
    check(got["markdown"] == MD2 and got["rev"] == 2, "after restart: %r", got)
    check(status(c.get("/api/v1/pages/devoluciones/revisions/1"), 200).json()["markdown"] == MD,
          "revision 1 after restart")
    hits = status(c.get("/api/v1/search?q=tique"), 200).json()
    check(any(h["slug"] == "devoluciones" for h in hits["results"]), "search after restart: %r",
          hits)
    # The sessions made by the logins in flight at SIGTERM are valid.
    check(srv.scalar("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.username = 'lenta'") == 6, "sessions of the logins in flight")
    redirect_to(srv.client().login("adm"), "/")
    status(srv.client(token=S["adm"]).get("/metrics"), 200)
    st, _, _ = get_plain(METRICS_PORT, "/metrics")
    check(st == 200, "--metrics-listen after restart: %d", st)
    check(srv.cli("check").returncode == 0, "check after restart")
