"""Crash loop for `make bench-durability` (called by bench/durability.sh).

    python3 bench/durability_run.py BIN SHARE DIR [CYCLES]

Eight writers (threads, http.client) save pages through the API with
Bearer tokens and base_rev: each mostly its own page, sometimes one of
a few shared pages, so that conflicts (409) happen too. Meanwhile the
server is killed with SIGKILL at a random moment of every cycle and
started again on the same database. Each writer records every
acknowledged save (200/201: the rev it was given and the exact Markdown
it sent). Afterwards, on a clean start:

  - every acknowledged save is in its page's history byte for byte
    (GET /api/v1/pages/{slug}/revisions/{n});
  - each page's revision numbers are 1..current without gaps (the
    database, read with sqlite3);
  - no answer was ever a 5xx. A connection refused or cut by the kill
    is not an answer: that save's outcome is unknown to the writer,
    which reads the page again before its next save.

Environment knobs: WRITERS (8), SHARED (2 shared pages), SHARED_PCT (25),
LOAD_MIN and LOAD_MAX (seconds of load per cycle, 0.2 and 1.0), SEED.
Exit status 1 if anything acknowledged was lost, a gap was found, a 5xx
was answered, or `oficio check` fails afterwards.
"""
import http.client
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time

BIN, SHARE, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
CYCLES = int(sys.argv[4]) if len(sys.argv) > 4 else 200
WRITERS = int(os.environ.get("WRITERS", "8"))
SHARED = int(os.environ.get("SHARED", "2"))
SHARED_PCT = int(os.environ.get("SHARED_PCT", "25"))
LOAD_MIN = float(os.environ.get("LOAD_MIN", "0.2"))
LOAD_MAX = float(os.environ.get("LOAD_MAX", "1.0"))
SEED = int(os.environ.get("SEED", str(int(time.time()))))
DB = os.path.join(DIR, "oficio.db")
LOG = os.path.join(DIR, "server.log")

# Connection failures that mean "the server was not there": the save's
# outcome is unknown, and it is not an answer.
CONN_ERRORS = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()


def cli(*args):
    r = subprocess.run([BIN] + list(args) + ["--db", DB, "--share", SHARE],
                       capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    if r.returncode != 0:
        sys.exit("oficio %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout.decode()


class Server:
    def __init__(self):
        self.proc = None
        self.log = open(LOG, "ab")
        self.starts = 0

    def start(self):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", DB, "--listen", "127.0.0.1:%d" % PORT, "--threads", "2",
             "--quiet", "--share", SHARE],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.starts += 1
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.flush()
                with open(LOG, "rb") as f:
                    tail = f.read()[-3000:].decode("utf-8", "replace")
                sys.exit("durability: the server did not start after %d kills "
                         "(exit %s):\n%s" % (self.starts - 1, self.proc.returncode, tail))
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    c.close()
                    return
                c.close()
            except CONN_ERRORS:
                pass
            time.sleep(0.01)
        self.proc.kill()
        sys.exit("durability: the server did not answer /healthz within 30 s")

    def kill9(self):
        self.proc.kill()  # SIGKILL, this process only
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode if self.proc else None


class Writer(threading.Thread):
    def __init__(self, i, token, stop, rng):
        super().__init__(daemon=True)
        self.i = i
        self.token = token
        self.stop_ev = stop
        self.rng = rng
        self.conn = None
        self.base = {}          # slug -> known current rev (None: unknown)
        self.seq = 0
        self.acks = []          # (slug, rev, markdown, status)
        self.unknown = []       # (slug, markdown): sent, no answer (a kill)
        self.conflicts = 0
        self.errors5xx = []     # (status, body start)
        self.unexpected = []    # (status, body start)
        self.conn_errors = 0

    def request(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        h = {"Authorization": "Bearer " + self.token}
        if body is not None:
            h["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
            return r.status, data
        except CONN_ERRORS:
            self.conn.close()
            self.conn = None
            raise

    def text(self):
        """A new Markdown text no one else writes: unique, a little
        Unicode, a varying number of lines."""
        self.seq += 1
        lines = ["# Guardado %d de w%d" % (self.seq, self.i), "",
                 "Escrito por w%d — ñandú, «comillas», ✓ %08x" % (self.i, self.rng.getrandbits(32)),
                 ""]
        for j in range(self.rng.randint(1, 40)):
            lines.append("- [%s] Paso %d: comprobar el tique %d" %
                         (self.rng.choice(" x"), j + 1, self.rng.randint(1, 10 ** 6)))
        return "\n".join(lines) + "\n"

    def run(self):
        while not self.stop_ev.is_set():
            if self.rng.randint(1, 100) <= SHARED_PCT:
                slug = "dur-shared-%d" % self.rng.randrange(SHARED)
            else:
                slug = "dur-w%d" % self.i
            try:
                self.save(slug)
            except CONN_ERRORS:
                self.conn_errors += 1
                time.sleep(0.01)  # the server is down or restarting

    def save(self, slug):
        path = "/api/v1/pages/" + slug
        if self.base.get(slug) is None:
            st, data = self.request("GET", path)
            if st == 404:
                self.base[slug] = 0
            elif st == 200:
                self.base[slug] = json.loads(data)["rev"]
            else:
                self.answer_other(st, data)
                return
        md = self.text()
        body = json.dumps({"title": "Durabilidad " + slug, "markdown": md,
                           "base_rev": self.base[slug]})
        self.base[slug] = None  # unknown until the answer says
        try:
            st, data = self.request("PUT", path, body)
        except ConnectionRefusedError:
            raise  # never reached a server
        except CONN_ERRORS:
            self.unknown.append((slug, md))
            raise
        if st in (200, 201):
            rev = json.loads(data)["rev"]
            self.acks.append((slug, rev, md, st))
            self.base[slug] = rev
        elif st == 409:
            self.conflicts += 1
            self.base[slug] = json.loads(data).get("current_rev")
        else:
            self.answer_other(st, data)

    def answer_other(self, st, data):
        rec = (st, data[:300].decode("utf-8", "replace"))
        if st >= 500:
            self.errors5xx.append(rec)
        else:
            self.unexpected.append(rec)


def main():
    rng = random.Random(SEED)
    for i in range(WRITERS):
        cli("user", "add", "w%d" % i, "--role", "editor")
    tokens = [cli("token", "create", "w%d" % i).strip().splitlines()[-1] for i in range(WRITERS)]

    srv = Server()
    stop = threading.Event()
    writers = [Writer(i, tokens[i], stop, random.Random(rng.getrandbits(64)))
               for i in range(WRITERS)]
    t0 = time.time()
    srv.start()
    for w in writers:
        w.start()
    for cycle in range(CYCLES):
        time.sleep(rng.uniform(LOAD_MIN, LOAD_MAX))
        srv.kill9()
        if cycle + 1 < CYCLES:
            srv.start()
        if (cycle + 1) % 25 == 0:
            print("  %d/%d cycles, %d saves acknowledged" %
                  (cycle + 1, CYCLES, sum(len(w.acks) for w in writers)), flush=True)
    stop.set()
    for w in writers:
        w.join(30)
    elapsed = time.time() - t0

    # Verification, on a clean start of the same database.
    srv.start()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    cache = {}

    def revision(slug, n):
        if (slug, n) not in cache:
            conn.request("GET", "/api/v1/pages/%s/revisions/%d" % (slug, n),
                         headers={"Authorization": "Bearer " + tokens[0]})
            r = conn.getresponse()
            data = r.read()
            cache[(slug, n)] = json.loads(data)["markdown"] if r.status == 200 else None
        return cache[(slug, n)]

    acks = [a for w in writers for a in w.acks]
    unknown = [u for w in writers for u in w.unknown]
    lost, misnumbered = [], []
    db = sqlite3.connect("file:%s?mode=ro" % DB, uri=True, timeout=30)
    history = {}  # slug -> {markdown: n}, for the rare rev mismatch
    for slug, rev, md, st in acks:
        if revision(slug, rev) == md:
            continue
        if slug not in history:
            history[slug] = {m: n for n, m in db.execute(
                "SELECT r.n, r.markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                "WHERE p.slug = ?", (slug,))}
        if md in history[slug]:
            misnumbered.append((slug, rev, history[slug][md]))
        else:
            lost.append((slug, rev, st))
    # Saves in flight at a kill: did they commit? (Either is correct.)
    committed_unknown = 0
    for slug, md in unknown:
        if db.execute("SELECT 1 FROM revisions r JOIN pages p ON p.id = r.page_id "
                      "WHERE p.slug = ? AND r.markdown = ?", (slug, md)).fetchone():
            committed_unknown += 1
    gaps = []
    for slug, cur, cnt, lo, hi in db.execute(
            "SELECT p.slug, p.current_rev, count(r.n), min(r.n), max(r.n) FROM pages p "
            "LEFT JOIN revisions r ON r.page_id = p.id GROUP BY p.id"):
        if not (cnt == cur and lo == 1 and hi == cur):
            gaps.append((slug, cur, cnt, lo, hi))
    pages = db.execute("SELECT count(*), sum(current_rev) FROM pages").fetchone()
    db.close()
    conn.close()
    code = srv.stop()
    check = subprocess.run([BIN, "check", "--db", DB, "--share", SHARE],
                           capture_output=True, timeout=300)
    check_ok = check.returncode == 0

    e5 = [e for w in writers for e in w.errors5xx]
    other = [e for w in writers for e in w.unexpected]
    n201 = sum(1 for a in acks if a[3] == 201)
    print("durability: %d cycles of load and kill -9 in %.0f s (seed %d)" % (CYCLES, elapsed, SEED))
    print("  writers:              %d (%d own pages, %d shared, %d%% of saves shared)" %
          (WRITERS, WRITERS, SHARED, SHARED_PCT))
    print("  acknowledged saves:   %d (200: %d, 201: %d)" % (len(acks), len(acks) - n201, n201))
    print("  conflicts (409):      %d" % sum(w.conflicts for w in writers))
    print("  sent, no answer:      %d (%d committed, %d not; either is correct)" %
          (len(unknown), committed_unknown, len(unknown) - committed_unknown))
    print("  connection errors:    %d (server down; not answers)" %
          sum(w.conn_errors for w in writers))
    print("  pages, revisions:     %d, %d" % (pages[0], pages[1] or 0))
    print("  lost:                 %d" % len(lost))
    print("  5xx answers:          %d" % len(e5))
    print("  revision gaps:        %d" % len(gaps))
    print("  wrong rev in answer:  %d" % len(misnumbered))
    print("  other answers:        %d" % len(other))
    print("  final SIGTERM exit:   %s" % code)
    print("  oficio check:         %s" % ("ok" if check_ok else "FAILED"))
    for what, items in (("lost", lost), ("5xx", e5), ("gap", gaps),
                        ("wrong rev", misnumbered), ("other answer", other)):
        for it in items[:10]:
            print("    %s: %r" % (what, it))
    if not check_ok:
        print(check.stdout.decode() + check.stderr.decode())
    bad = lost or e5 or gaps or not check_ok
    print("durability: %s" % ("FAILED" if bad else "ok, nothing acknowledged was lost"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
