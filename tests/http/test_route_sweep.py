"""Every route of server/routes.c, as every role, with hostile input: odd
path parameters, query strings, form and JSON bodies, files, wrong content
types and methods. Whatever is sent, the answer is never a 5xx nor a
dropped connection, the server stays up, a refused request (4xx) leaves
the database as it was, and errors come in the route's format: JSON
{error, message} under /api/, an HTML page elsewhere. Input that can only
be garbage (invalid UTF-8, NUL bytes, broken escapes, a body that is not
what its Content-Type says, no CSRF token) is never a success.

The route table is read from routes.c at test time, so a new route is
swept without touching this file (test_table_is_understood fails when an
entry of the table was not read); so are the fields each handler reads,
from its source file (http_form(r, "title"), jstr(body, "kind"), ...).
The batteries:
- garbage: odd path parameters, query strings, and bodies with every field
  the handler reads set at once to the same hostile value; the whole
  battery for the least role a route admits and for the admin (and the
  admin's API token), the odd paths and every third case for the roles
  between, the router's 401/403 for the roles below;
- mutations: a request that would be accepted (a form as the server's own
  page offers it, FORM_BODY, API_BODY, QUERY), with one field at a time
  removed, repeated or given a hostile value (of another type, in JSON),
  for the least role and, every other case, the admin; what the path
  names (a draft, a pending proposal, an open flag...) is put back in the
  state the route needs before each case, so that the handler gets past
  its first check;
- every method a path does not take (405 and its Allow), hostile headers
  (language, cookies, tokens, content types) on every route, and the
  router's answers to visitors when the server runs without --public-read
  (this one runs with it, so that visitors reach the readers' handlers).
Nothing is random: about 33,000 requests, 30 s on two cores.
"""
import hashlib
import html.parser
import http.client
import json
import os
import re
import sqlite3
import time
import urllib.parse

import harness
from util import check, status

SERVER_DIR = os.path.join(harness.ROOT, "server")
ROLES = ("anon", "reader", "staff", "editor", "manager", "admin")
RANK = {"ROLE_ANON": 0, "ROLE_READER": 1, "ROLE_STAFF": 2, "ROLE_EDITOR": 3,
        "ROLE_MANAGER": 4, "ROLE_ADMIN": 5}
USERS = {"reader": "lector", "staff": "plantilla", "editor": "editora", "manager": "gerente",
         "admin": "raiz"}
TIMEOUT = 15          # seconds a request may take before it counts as a hang
SHOW = int(os.environ.get("SWEEP_SHOW", "40"))  # failures shown per test
# SWEEP_LOG=FILE writes one line per request: route, role, case, status,
# tables changed (to see what the battery reaches).
LOG = open(os.environ["SWEEP_LOG"], "w") if os.environ.get("SWEEP_LOG") else None

S = {}


def make_server():
    return harness.Server(args=["--public-read"])


def setup(srv):
    for role, name in USERS.items():
        srv.add_user(name, role)
    srv.add_user("victima", "staff")     # the admin's target: never logs in
    srv.add_user("lectora", "reader")    # owns the feed token swept below


# ---- the route table and the handlers' fields, from the sources ----

ENTRY = re.compile(r'\{\s*(M_[A-Z]+(?:\s*\|\s*M_[A-Z]+)*)\s*,\s*"([^"]*)"\s*,\s*(\w+)\s*,'
                   r'\s*([A-Z_|\s0-9]+?)\s*,\s*(ROLE_[A-Z]+)\s*\}')


class Route:
    def __init__(self, methods, pattern, handler, flags, role):
        self.methods = {m.strip()[2:] for m in methods.split("|")}
        self.pattern = pattern
        self.handler = handler
        self.flags = {f.strip() for f in flags.split("|")} - {"0"}
        self.min_rank = RANK[role]
        self.api = pattern.startswith("/api/")
        self.params = re.findall(r"\{(\w+|\*)\}", pattern)
        self.write = bool(self.methods & {"POST", "PUT"})

    def __repr__(self):
        return "%s %s" % ("|".join(sorted(self.methods)), self.pattern)


def route_table():
    """(routes, number of entries seen in the table's text)."""
    with open(os.path.join(SERVER_DIR, "routes.c")) as f:
        src = f.read()
    m = re.search(r"static const struct route table\[\] = \{(.*?)\n\};", src, re.S)
    check(m, "routes.c has no `static const struct route table[]`")
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    return [Route(*e) for e in ENTRY.findall(body)], body.count("{M_")


ACCESSOR = re.compile(r'\b(?:http_form|http_param|http_query|http_count|http_int|lifecycle_arg|'
                      r'opt|item|owner_arg|jstr|form_field|json_object_get)\(\s*[\w>&.-]+\s*,'
                      r'\s*"([a-z_]+)"')


def handler_fields():
    """handler -> the input names its source file reads, sorted."""
    out = {}
    for name in sorted(os.listdir(SERVER_DIR)):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(SERVER_DIR, name)) as f:
            src = f.read()
        names = sorted(set(ACCESSOR.findall(src)) - {"csrf"})
        for h in re.findall(r"^int (\w+)\(struct req \*r\)", src, re.M):
            out[h] = names
    return out


def match(pattern, path):
    """route_match (http.c) in Python: {x} takes one segment, {*} the rest."""
    rx = "".join("(.*)" if p == "{*}" else "[^/]+" if p.startswith("{") else re.escape(p)
                 for p in re.split(r"(\{[^}]*\})", pattern) if p)
    return re.fullmatch(rx, path) is not None


# ---- talking to the server ----

class Who:
    """One role: a session cookie and its CSRF token, or an API token."""

    def __init__(self, role, cookie=None, csrf=None, token=None):
        self.role = role
        self.cookie = cookie
        self.csrf = csrf
        self.token = token

    @property
    def rank(self):
        return -1 if self.role == "anon" else ROLES.index(self.role.split("-")[0])


def login(srv, role):
    c = srv.client()
    r = c.login(USERS[role])
    check(r.status == 303 and c.csrf, "%s could not log in: %r", role, r)
    return Who(role, "; ".join("%s=%s" % kv for kv in c.cookies.items()), c.csrf)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower(), "")

    def json(self):
        return json.loads(self.body)


def send(srv, who, method, path, body=None, headers=None, more=None):
    """One request on its own connection: a Reply, or the exception when
    the connection broke or no answer came within TIMEOUT. more: headers
    sent after the others, a second one when the name is taken (values
    may be bytes)."""
    h = {"Accept-Language": "es"}
    if who.cookie:
        h["Cookie"] = who.cookie
    if who.token:
        h["Authorization"] = "Bearer " + who.token
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in list(h.items()) + list((more or {}).items()):
            conn.putheader(k, v)
        if body is not None or method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    except (OSError, http.client.HTTPException) as e:
        return e
    finally:
        conn.close()


def api(srv, who, method, path, obj):
    """A JSON request that must succeed (fixtures and upkeep)."""
    h = {"Content-Type": "application/json"}
    if who.csrf:
        h["X-CSRF-Token"] = who.csrf
    r = send(srv, who, method, path, json.dumps(obj).encode(), h)
    check(isinstance(r, Reply) and r.status < 300, "%s %s as %s: %r", method, path, who.role,
          r if not isinstance(r, Reply) else (r.status, r.body[:300]))
    return r


# ---- what a refused request must leave as it was ----

# Written by the server on its own time, whatever the requests: search_log
# (a writer thread), page_views (flushed by a timer), the search indexes'
# shadow tables (merged when idle; page_text is what they index).
NOT_COMPARED = {"search_log", "page_views"}


class Database:
    """What a request changed. Before it is sent, one connection opens a
    read transaction: it keeps seeing the database as it was (WAL). After
    the answer, PRAGMA data_version on another connection says whether
    anything was committed meanwhile, and only then are the tables read
    and compared, as they were and as they are."""

    # Long text is compared by its length: revisions are append-only
    # (schema triggers).
    LONG = {"markdown", "html", "text", "body", "data", "authors", "toc", "headings"}

    def __init__(self, srv):
        self.now = sqlite3.connect(srv.db_path, timeout=10, isolation_level=None)
        self.then = sqlite3.connect(srv.db_path, timeout=10, isolation_level=None)
        names = [n for (n,) in self.now.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        fts = [n for (n,) in self.now.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")]
        self.sql = {}
        for t in names:
            if t in NOT_COMPARED or any(t.startswith(v + "_") for v in fts):
                continue
            cols = [c[1] for c in self.now.execute("PRAGMA table_info(%s)" % t)]
            if t == "api_tokens":
                cols.remove("last_used_at")     # stamped by every use
            # A wrong password is refused (401) and audited: that row is the
            # one write a refused request makes.
            where = " WHERE action <> 'login.failed'" if t == "audit" else ""
            row = " || '|' || ".join("length(%s)" % c if c in self.LONG else "quote(%s)" % c
                                     for c in cols)
            self.sql[t] = "SELECT %s FROM %s%s ORDER BY 1" % (row, t, where)
        self.version = None

    def _version(self):
        return self.now.execute("PRAGMA data_version").fetchone()[0]

    def _take(self, c):
        out = {}
        for t, sql in self.sql.items():
            h = hashlib.blake2b(digest_size=16)
            for (row,) in c.execute(sql):
                h.update(row.encode() + b"\n")
            out[t] = h.digest()
        return out

    def before(self):
        """The database as it is now is the one to compare with."""
        self.then.execute("BEGIN")
        self.then.execute("SELECT count(*) FROM sqlite_master").fetchall()
        self.version = self._version()

    def moved(self):
        """Did anything commit since before()?"""
        return self._version() != self.version

    def changed(self):
        """The tables that differ from before(); ends the comparison."""
        try:
            if not self.moved():
                return []
            a, b = self._take(self.then), self._take(self.now)
            return sorted(t for t in a if a[t] != b[t])
        finally:
            self.end()

    def end(self):
        if self.then.in_transaction:
            self.then.execute("COMMIT")

    def scalar(self, sql, *args):
        row = self.now.execute(sql, args).fetchone()
        return row[0] if row else None


# ---- fixtures: one thing of each kind, in the state its routes need ----

MD = "Contar la caja al cerrar.\n\n- [ ] Contar billetes\n- [ ] Contar monedas\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
LESSON = {"procedure": "arqueo", "bent_rule": True, "rule": "Plazo", "outcome": "positive",
          "happened_on": "2026-03-02"}


def new_lesson(srv, slug):
    """A published lesson that bent arqueo's rule: it opens a challenge."""
    w = S["who"]
    api(srv, w["staff"], "PUT", "/api/v1/pages/" + slug,
        {"title": "Caso " + slug, "kind": "lesson", "markdown": "Pasó.\n", "lesson": LESSON})
    api(srv, w["staff"], "POST", "/api/v1/pages/%s/submit" % slug, {})
    api(srv, w["editor"], "POST", "/api/v1/pages/%s/review" % slug, {"decision": "approve"})


def test_table_is_understood(srv):
    routes, entries = route_table()
    check(len(routes) == entries, "routes.c has %d entries, %d understood: look at ENTRY",
          entries, len(routes))
    check(len(routes) > 100, "only %d routes", len(routes))
    fields = handler_fields()
    missing = [rt.handler for rt in routes if rt.handler not in fields]
    check(not missing, "handlers not found in server/*.c: %r", missing)
    S["routes"] = routes
    S["fields"] = fields


def test_fixtures(srv):
    w = S["who"] = {role: login(srv, role) for role in USERS}
    w["anon"] = Who("anon")
    w["admin-token"] = Who("admin-token", token=srv.token(USERS["admin"]))
    for slug, title, kind in (("arqueo", "Arqueo de caja", "procedure"),
                              ("guia", "Guía", "reference"),
                              ("para-archivar", "Para archivar", "procedure"),
                              ("archivada", "Archivada", "procedure")):
        api(srv, w["editor"], "PUT", "/api/v1/pages/" + slug,
            {"title": title, "kind": kind, "markdown": MD, "category": "Caja", "tags": ["cierre"]})
    api(srv, w["editor"], "POST", "/api/v1/pages/archivada/archive", {"reason": "Vieja"})
    api(srv, w["staff"], "PUT", "/api/v1/pages/borrador",
        {"title": "Borrador", "kind": "procedure", "markdown": MD})
    api(srv, w["staff"], "PUT", "/api/v1/pages/caso-borrador",
        {"title": "Caso en borrador", "kind": "lesson", "markdown": "Pasó.\n", "lesson": LESSON})
    new_lesson(srv, "caso-cafetera")
    r = send(srv, w["editor"], "POST", "/api/v1/pages/arqueo/attachments?filename=logo.png", PNG,
             {"Content-Type": "image/png", "X-CSRF-Token": w["editor"].csrf})
    check(isinstance(r, Reply) and r.status == 201, "upload: %r", r)
    S["hash"] = r.json()["hash"]
    api(srv, w["manager"], "POST", "/api/v1/paths",
        {"title": "Primera semana", "items": [{"page": "arqueo", "due_days": 3}]})
    feeder = srv.client()
    feeder.login("lectora")
    r = status(feeder.post("/me/feed", {"action": "new"}), 200)
    S["feed"] = re.search(r"/feed/([A-Za-z0-9_-]{43})\.atom", r.text).group(1) + ".atom"
    S["path"] = str(srv.scalar("SELECT max(id) FROM paths"))
    S["victim"] = str(srv.scalar("SELECT id FROM users WHERE username = 'victima'"))
    S["db"] = Database(srv)
    for f in (pending_proposal, open_flag, open_challenge):
        f(srv)
    for rt in S["routes"]:
        fill(rt)      # a value for every parameter


def rev(slug):
    return S["db"].scalar("SELECT current_rev FROM pages WHERE slug = ?", slug)


def page_status(slug):
    return S["db"].scalar("SELECT status FROM pages WHERE slug = ?", slug)


def pending_proposal(srv):
    db = S["db"]
    n = db.scalar("SELECT max(x.id) FROM proposals x JOIN pages p ON p.id = x.page_id "
                  "WHERE x.status = 'pending' AND p.slug = 'arqueo' AND x.base_rev = p.current_rev")
    if n is None:
        api(srv, S["who"]["staff"], "PUT", "/api/v1/pages/arqueo",
            {"title": "Arqueo de caja", "markdown": MD + "- [ ] Firmar\n",
             "base_rev": rev("arqueo")})
        n = db.scalar("SELECT max(id) FROM proposals")
    return str(n)


def open_flag(srv):
    n = S["db"].scalar("SELECT max(id) FROM flags WHERE resolved_at IS NULL")
    if n is None:
        api(srv, S["who"]["reader"], "POST", "/api/v1/pages/arqueo/flags",
            {"reason": "outdated", "comment": "Ya no se firma"})
        n = S["db"].scalar("SELECT max(id) FROM flags")
    return str(n)


def open_challenge(srv):
    n = S["db"].scalar("SELECT max(id) FROM challenges WHERE status = 'open'")
    if n is None:
        S["lessons"] = S.get("lessons", 0) + 1
        new_lesson(srv, "caso-%d" % S["lessons"])
        n = S["db"].scalar("SELECT max(id) FROM challenges")
    return str(n)


def want_status(slug, want):
    """Put a page back in the status a route needs (as its author, an
    editor or the admin would)."""
    def upkeep(srv):
        w, have = S["who"], page_status(slug)
        if have == want:
            return
        if want == "archived":
            api(srv, w["editor"], "POST", "/api/v1/pages/%s/archive" % slug, {"reason": "x"})
        elif have == "archived":
            api(srv, w["editor"], "POST", "/api/v1/pages/%s/unarchive" % slug, {})
        if want == "draft" and page_status(slug) == "in_review":
            api(srv, w["editor"], "POST", "/api/v1/pages/%s/review" % slug,
                {"decision": "return", "comment": "x"})
        if want == "in_review" and page_status(slug) == "draft":
            api(srv, w["staff"], "POST", "/api/v1/pages/%s/submit" % slug, {})
    return upkeep


# The page each handler's {slug} names, and the state it needs; arqueo
# (a published procedure) for the others.
SLUG = {"review_submit": "borrador", "review_decide": "borrador",
        "review_archive": "para-archivar", "review_unarchive": "archivada",
        "review_promote": "caso-cafetera"}
UPKEEP = {"review_submit": want_status("borrador", "draft"),
          "review_decide": want_status("borrador", "in_review"),
          "review_archive": want_status("para-archivar", "published"),
          "review_unarchive": want_status("archivada", "archived")}


def valid(route, name, before, srv=None):
    """A path parameter that names something that exists (srv: create it
    again if it was used up)."""
    if name == "slug":
        return SLUG.get(route.handler, "arqueo")
    if name == "n":
        if before != "proposals":
            return "1"
        return pending_proposal(srv) if srv else S["db"].scalar("SELECT max(id) FROM proposals")
    if name == "id":
        if before == "flags":
            return open_flag(srv) if srv else "1"
        if before == "challenges":
            return open_challenge(srv) if srv else "1"
        return {"users": S["victim"], "paths": S["path"]}.get(before, "1")
    if name == "hash":
        return S["hash"]
    if name == "token":
        return S["feed"]
    if name == "*":
        return "oficio.css"
    return "1"      # a parameter new to this file: swept all the same


def fill(route, odd_at=None, odd=None, srv=None, slug=None):
    """The route's path with valid parameters (the page slug if given), one
    of them odd if asked."""
    parts = re.split(r"(\{[^}]*\})", route.pattern)
    out, k = [], 0
    for i, p in enumerate(parts):
        if p.startswith("{"):
            before = parts[i - 1].strip("/").split("/")[-1]
            v = slug if slug and p == "{slug}" else valid(route, p[1:-1], before, srv)
            out.append(odd if k == odd_at else str(v))
            k += 1
        else:
            out.append(p)
    return "".join(out)


def upkeep(srv, route):
    """Before each case: arqueo published, the route's page in its state."""
    if page_status("arqueo") != "published":
        want_status("arqueo", "published")(srv)
    if route.handler in UPKEEP:
        UPKEEP[route.handler](srv)


# ---- cases ----

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MULTIPART = "multipart/form-data; boundary=sweep0boundary"


class Case:
    """One request. path and body may be functions, called when it is
    sent: path(srv) fills in what exists then (a pending proposal's id),
    body(csrf) adds the session's token to a multipart body. base_rev in a
    body is replaced by the page's current revision."""

    def __init__(self, name, method, path, body=None, ctype=None, garbage=False, csrf=True):
        self.name = name
        self.method = method
        self.path = path
        self.body = body
        self.ctype = ctype
        self.garbage = garbage      # may never succeed, whatever the route
        self.csrf = csrf            # send the session's CSRF token
        self.headers = {}           # more headers (sent after the usual ones)


def q(pairs):
    """A query or form body from (name, already-escaped value) pairs."""
    return "&".join("%s=%s" % (k, v) for k, v in pairs)


def qe(pairs):
    """The same, escaping the values."""
    return q((k, urllib.parse.quote_plus(v)) for k, v in pairs)


def at(route, odd_at=None, odd=None, query="", slug=None):
    """The path of a case, computed when it is sent."""
    return lambda srv: fill(route, odd_at, odd, srv, slug) + query


def empty_body(route, path, name):
    if route.api:
        return Case(name, "PUT" if "PUT" in route.methods else "POST", path, b"{}", JSON)
    return Case(name, "POST", path, b"", FORM)


LONG = "a" * 3000
ODD = {
    "slug": [("long", LONG), ("dots", ".."), ("nul", "%00"), ("ff", "%ff"),
             ("accents", "%C3%81%C3%89"), ("double-dash", "a--b"), ("dash", "-"),
             ("digits", "12345"), ("traversal", "..%2F..%2Fetc%2Fpasswd"), ("bad-escape", "%zz")],
    "n": [("zero", "0"), ("minus", "-1"), ("huge", "99999999999999999999"), ("abc", "abc"),
          ("decimal", "1.5"), ("nul", "%00"), ("plus", "%2B1"), ("space", "%201")],
    "hash": [("zeros", "0" * 64), ("not-hex", "g" * 64), ("dots", ".."), ("nul", "%00"),
             ("long", LONG)],
    "token": [("short", "x.atom"), ("nul", "%00.atom"), ("unknown", "A" * 43 + ".atom"),
              ("dots", ".."), ("long", LONG + ".atom")],
    "*": [("traversal", "..%2F..%2Fserver%2Fmain.c"), ("dots", "../server/main.c"),
          ("nul", "oficio.css%00"), ("empty", ""), ("long", LONG), ("ff", "%ff")],
}
ODD["id"] = ODD["n"]


def path_cases(route):
    cases = []
    for i, name in enumerate(route.params):
        for label, v in ODD.get(name, ODD["slug"] + ODD["n"]):
            label = "{%s}=%s" % (name, label)
            if "GET" in route.methods:
                cases.append(Case(label, "GET", at(route, i, v)))
            else:
                cases.append(empty_body(route, at(route, i, v), label))
    return cases


def query_cases(route, fields):
    f = fields[:8] or ["q"]
    qs = [("q-repeat", q([(n, v) for n in f for v in ("1", "2")]), False),
          ("q-empty", q([(n, "") for n in f]), False),
          ("q-minus", q([(n, "-1") for n in f]), False),
          ("q-huge", q([(n, "99999999999999999999") for n in f]), False),
          ("q-ff", q([(n, "%FF") for n in f]), True),
          ("q-overlong", q([(n, "%C0%AF") for n in f]), True),
          ("q-surrogate", q([(n, "%ED%A0%80") for n in f]), True),
          ("q-nul", q([(n, "a%00b") for n in f]), True),
          ("q-escape", q([(f[0], "%zz"), ("x", "%")]), True)]
    qs += [("q-10k-" + n, q([(n, "a" * 10000)]), False) for n in f[:3]]
    cases = []
    for name, query, garbage in qs:
        path = at(route, query="?" + query)
        c = Case(name, "GET", path) if "GET" in route.methods else empty_body(route, path, name)
        c.garbage = garbage
        cases.append(c)
    return cases


def form_cases(route, fields):
    path = at(route)
    f = fields or ["x"]
    big = f[:18]          # 100 KB each, under the 2 MiB body limit
    return [
        Case("form-empty", "POST", path, b"", FORM),
        Case("form-missing", "POST", path, q([(n, "x") for n in f[: len(f) // 2]]).encode(), FORM),
        Case("form-x", "POST", path, q([(n, "x") for n in f]).encode(), FORM),
        Case("form-minus", "POST", path, q([(n, "-1") for n in f]).encode(), FORM),
        Case("form-huge", "POST", path, q([(n, "99999999999999999999") for n in f]).encode(), FORM),
        Case("form-repeat", "POST", path, q([(n, v) for n in f for v in ("x", "y")]).encode(), FORM),
        Case("form-100k", "POST", path, q([(n, "a" * 100000) for n in big]).encode(), FORM),
        Case("form-ff", "POST", path, q([(n, "%FF") for n in f]).encode(), FORM, garbage=True),
        Case("form-raw-ff", "POST", path, b"&".join(n.encode() + b"=\xff\xfe" for n in f), FORM,
             garbage=True),
        Case("form-nul", "POST", path, q([(n, "a%00b") for n in f]).encode(), FORM, garbage=True),
        Case("form-escape", "POST", path, q([(f[0], "%zz"), ("x", "%")]).encode(), FORM,
             garbage=True),
        Case("form-multipart-broken", "POST", path, b"--x\r\nno headers\r\n",
             "multipart/form-data; boundary=x", garbage=True),
        Case("form-text-plain", "POST", path, q([(n, "x") for n in f]).encode(), "text/plain",
             garbage=True),
        Case("form-no-csrf", "POST", path, q([(n, "x") for n in f]).encode(), FORM, garbage=True,
             csrf=False),
        Case("form-json", "POST", path, json.dumps({n: 5 for n in f}).encode(), JSON),
    ]


def nested(depth):
    return "[" * depth + "]" * depth


# API writes that take no body: anything sent is ignored, by design.
BODY_IGNORED = {"inbox_api_seen", "owners_verify"}


def json_cases(route, fields):
    path = at(route)
    m = "PUT" if "PUT" in route.methods else "POST"
    f = fields or ["x"]
    k = f[0].encode()
    # A body that is not an object cannot carry the fields the handler reads.
    not_object = route.handler not in BODY_IGNORED

    def obj(v):
        return json.dumps({n: v for n in f}).encode()

    cases = [
        Case("json-broken", m, path, b'{"title": ', JSON, garbage=True),
        Case("json-raw-ff", m, path, b'{"%s": "\xff"}' % k, JSON, garbage=True),
        Case("json-nul", m, path, b'{"%s": "a\\u0000b"}' % k, JSON, garbage=True),
        Case("json-lone-surrogate", m, path, b'{"%s": "\\ud800"}' % k, JSON, garbage=True),
        Case("json-duplicate", m, path, b'{"%s": "a", "%s": "b"}' % (k, k), JSON, garbage=True),
        Case("json-huge-int", m, path, b'{"%s": 99999999999999999999}' % k, JSON, garbage=True),
        Case("json-deep-100k", m, path, nested(100000).encode(), JSON, garbage=True),
        Case("json-text-plain", m, path, obj("x"), "text/plain", garbage=True),
        Case("json-no-csrf", m, path, obj("x"), JSON, garbage=True, csrf=False),
        Case("json-array", m, path, b"[]", JSON, garbage=not_object),
        Case("json-number", m, path, b"5", JSON, garbage=not_object),
        Case("json-string", m, path, b'"x"', JSON, garbage=not_object),
        Case("json-null", m, path, b"null", JSON, garbage=not_object),
        Case("json-empty", m, path, b"{}", JSON),
        Case("json-title-5", m, path, b'{"title": 5}', JSON),
        Case("json-markdown-array", m, path, b'{"markdown": []}', JSON),
        Case("json-lesson-string", m, path, b'{"lesson": "x"}', JSON),
        Case("json-tags-object", m, path, b'{"tags": {"a": 1}}', JSON),
        Case("json-deep-1000", m, path, ('{"%s": %s}' % (f[0], nested(1000))).encode(), JSON),
        Case("json-100k", m, path, obj("a" * 100000)[: 1900 * 1024], JSON),
        Case("json-form-type", m, path, obj("x"), FORM),
    ]
    for label, v in (("int", 5), ("minus", -1), ("float", 1.5), ("array", []),
                     ("object", {"a": 1}), ("null", None), ("true", True), ("string", "x")):
        cases.append(Case("json-all-" + label, m, path, obj(v), JSON))
    return cases


def multipart(parts, boundary="sweep0boundary"):
    """A multipart/form-data body maker: parts are (name, filename or None,
    bytes); the session's CSRF token goes first when there is one."""
    def make(csrf):
        out = []
        for name, filename, data in ([("csrf", None, csrf.encode())] if csrf else []) + parts:
            disp = b'form-data; name="%s"' % name.encode()
            if filename is not None:
                disp += b'; filename="%s"' % filename
            out.append(b"--%s\r\nContent-Disposition: %s\r\n\r\n%s\r\n" % (
                boundary.encode(), disp, data))
        return b"".join(out) + b"--%s--\r\n" % boundary.encode()
    return make


def upload_cases(route):
    """Files: a body is a file, whatever its bytes (R_RAWBODY), so the JSON
    and form batteries do not apply; these do."""
    path = at(route)
    exe = b"MZ\x90\x00" + b"\x00" * 60
    cases = [
        Case("up-multipart-broken", "POST", path, b"--x\r\nno headers\r\n",
             "multipart/form-data; boundary=x", garbage=True),
        Case("up-multipart-no-boundary", "POST", path, b"--x\r\n\r\n", "multipart/form-data",
             garbage=True),
        Case("up-no-file", "POST", path, multipart([("title", None, b"x")]), MULTIPART),
        Case("up-file-not-a-file", "POST", path, multipart([("file", None, PNG)]), MULTIPART),
        Case("up-empty-file", "POST", path, multipart([("file", b"a.png", b"")]), MULTIPART),
        Case("up-exe", "POST", path, multipart([("file", b"a.png", exe)]), MULTIPART),
        Case("up-png-named-exe", "POST", path, multipart([("file", b"a.exe", PNG)]), MULTIPART),
        Case("up-filename-traversal", "POST", path,
             multipart([("file", b"../../etc/passwd.png", PNG)]), MULTIPART),
        Case("up-filename-ff", "POST", path, multipart([("file", b"\xff\xfe.png", PNG)]),
             MULTIPART),
        Case("up-filename-nul", "POST", path, multipart([("file", b"a\x00b.png", PNG)]),
             MULTIPART),
        Case("up-filename-empty", "POST", path, multipart([("file", b"", PNG)]), MULTIPART),
        Case("up-filename-10k", "POST", path, multipart([("file", b"a" * 10000 + b".png", PNG)]),
             MULTIPART),
        Case("up-two-files", "POST", path,
             multipart([("file", b"a.png", PNG), ("file", b"b.png", exe)]), MULTIPART),
        Case("up-5000-parts", "POST", path, multipart([("f%d" % i, None, b"") for i in range(5000)]
                                                      + [("file", b"a.png", PNG)]), MULTIPART),
        Case("up-no-final-boundary", "POST", path,
             lambda csrf: multipart([("file", b"a.png", PNG)])(csrf)[:-20], MULTIPART),
        Case("up-lf-only", "POST", path,
             lambda csrf: multipart([("file", b"a.png", PNG)])(csrf).replace(b"\r\n", b"\n"),
             MULTIPART),
        Case("up-no-part-headers", "POST", path,
             b"--sweep0boundary\r\n\r\nx\r\n--sweep0boundary--\r\n", MULTIPART),
        Case("up-disposition-odd", "POST", path,
             b"--sweep0boundary\r\nContent-Disposition: form-data; name=file; filename*=UTF-8''%E2"
             b"\r\nContent-Type: \r\n\r\n" + PNG + b"\r\n--sweep0boundary--\r\n", MULTIPART),
        Case("up-boundary-in-data", "POST", path,
             multipart([("file", b"a.txt", b"--sweep0boundar\r\n--sweep0boundaryX")]), MULTIPART),
        Case("up-no-csrf", "POST", path, multipart([("file", b"a.png", PNG)]), MULTIPART,
             garbage=True, csrf=False),
    ]
    if route.api:
        cases += [
            Case("up-raw-empty", "POST", path, b"", "application/octet-stream"),
            Case("up-raw-exe", "POST", at(route, query="?filename=a.png"), exe, "image/png"),
            Case("up-raw-nul", "POST", at(route, query="?filename=a.txt"), b"a\x00b",
                 "text/plain"),
            Case("up-raw-ff", "POST", at(route, query="?filename=a.txt"), b"\xff\xfe",
                 "text/plain"),
            Case("up-raw-filename-nul", "POST", at(route, query="?filename=a%00b.png"), PNG,
                 "image/png", garbage=True),
            Case("up-raw-filename-ff", "POST", at(route, query="?filename=%FF.png"), PNG,
                 "image/png", garbage=True),
            Case("up-raw-filename-traversal", "POST",
                 at(route, query="?filename=..%2F..%2Fx.png"), PNG, "image/png"),
            Case("up-raw-filename-10k", "POST",
                 at(route, query="?filename=" + "a" * 10000 + ".png"), PNG, "image/png"),
            Case("up-raw-no-csrf", "POST", at(route, query="?filename=a.png"), PNG,
                 "image/png", garbage=True, csrf=False),
        ]
    return cases


def garbage_battery(route, fields):
    """The cases that need no valid request to start from."""
    cases = path_cases(route) + query_cases(route, fields)
    if "R_UPLOAD" in route.flags:
        cases += upload_cases(route)
    elif route.write and route.api:
        cases += json_cases(route, fields)
    elif route.write:
        cases += form_cases(route, fields)
    return cases


# ---- mutations of a request that would be accepted ----

# Valid JSON bodies of the API's writes ("base_rev": the page's current
# revision), or a list of (slug, body) for several pages.
API_BODY = {
    "api_page_put": [
        ("arqueo", {"title": "Arqueo de caja", "kind": "procedure", "markdown": MD + "Firmar.\n",
                    "base_rev": "base_rev", "comment": "Firma", "category": "Caja",
                    "tags": ["cierre", "caja"], "significant": True, "resolve_flags": False,
                    "status": "published"}),
        ("caso-borrador", {"title": "Caso en borrador", "kind": "lesson", "markdown": "Pasó.\n",
                           "base_rev": "base_rev", "lesson": LESSON}),
    ],
    "review_submit": {"comment": "Lista"},
    "review_decide": {"decision": "return", "comment": "Falta un paso"},
    "review_archive": {"reason": "Vieja"},
    "review_unarchive": {"comment": "Vuelve"},
    "review_promote": {"title": "Procedimiento nuevo", "publish": True},
    "proposal_accept": {"comment": "Bien", "rebase": "base_rev"},
    "proposal_reject": {"comment": "No"},
    "owners_verify": {},
    "owners_save": {"owner": "editora", "backup_owner": "gerente", "review_days": 90},
    "flags_create": {"reason": "wrong", "comment": "Falta la firma"},
    "flags_resolve": {"comment": "Corregido"},
    "challenges_dismiss": {"reason": "No aplica"},
    "inbox_api_seen": {},
    "inbox_api_follow": {"slug": "arqueo", "follow": True},
    "paths_create": {"title": "Semana dos", "description": "Segunda", "auto_role": "staff",
                     "archived": False, "items": [{"page": "arqueo", "due_days": 3}, "guia"]},
    "path_update": {"title": "Primera semana", "description": "Primera", "auto_role": "staff",
                    "archived": False, "items": [{"page": "arqueo", "due_days": 3}]},
    "path_assign": {"user": "lector", "users": ["plantilla", 1]},
    "path_unassign": {"user": "lector", "users": ["plantilla"]},
    "acks_confirm": {"rev": "base_rev"},
    "acks_require": {"requires_ack": True},
}
# Valid forms of the pages' writes: what the server's own page offers
# (offered_forms), with these fields set (a form offers them empty, or
# the page that offers it needs a state the sweep does not keep).
FORM_BODY = {
    "page_new_save": {"title": "Página nueva", "kind": "procedure", "markdown": MD},
    "page_edit_save": {"title": "Arqueo de caja", "markdown": MD + "Firmar.\n",
                       "base_rev": "base_rev", "comment": "Firma"},
    "page_restore": {"rev": "1", "base_rev": "base_rev"},
    "me_settings": {"language": "es"},
    "me_seen": {},
    "me_feed": {"action": "new"},
    "admin_user_add": {"username": "nueva", "name": "Nueva", "password": "contraseña-larga",
                       "role": "staff"},
    "admin_user_update": {"action": "role", "role": "editor"},
    "session_logout": {},
    "review_submit": {"comment": "Lista"},
    "review_decide": {"decision": "return", "comment": "Falta un paso"},
    "review_archive": {"reason": "Vieja"},
    "review_unarchive": {"comment": "Vuelve"},
    "review_promote": {"title": "Procedimiento nuevo"},
    "proposal_accept": {"comment": "Bien"},
    "proposal_reject": {"comment": "No"},
    "owners_verify": {},
    "owners_save": {"owner": "editora", "backup_owner": "gerente", "review_days": "90"},
    "flags_create": {"reason": "wrong", "comment": "Falta la firma"},
    "flags_resolve": {"comment": "Corregido"},
    "challenges_dismiss": {"reason": "No aplica"},
    "inbox_follow_page": {"action": "follow"},
    "inbox_follow_category": {"category": "Caja", "action": "follow"},
    "admin_templates_save": {"kind": "lesson", "lang": "es", "markdown": "## Situación\n"},
    "paths_create": {"title": "Semana dos", "pages": "arqueo | 3\nGuía"},
    "path_update": {"title": "Primera semana", "pages": "arqueo"},
    "path_assign": {"user": "lector"},
    "path_unassign": {"user": "lector"},
    "acks_confirm": {"rev": "base_rev"},
    "acks_require": {"requires_ack": "1"},
    "handover_departure": {"user": "victima", "departs_on": "2026-12-31", "successor": "editora"},
    "handover_reassign": {"user": "victima", "to": "editora", "backup_to": "gerente"},
    "handover_checklist": {"user": "victima", "successor": "editora"},
}
# Writes without a mutation battery, and why.
NO_MUTATIONS = {
    "session_login": "every wrong password counts against the address (auth.c)",
    "session_setup": "there are users: every request is a 404",
    "files_upload_form": "a file: upload_cases",
    "files_upload_api": "a file: upload_cases",
}
# Valid queries of the reads.
QUERY = {
    "search_page": {"q": "caja", "kind": "procedure", "category": "Caja", "tag": "cierre",
                    "status": "published", "limit": "10", "offset": "0"},
    "api_search": {"q": "caja", "kind": "procedure", "category": "Caja", "tag": "cierre",
                   "limit": "10", "offset": "0"},
    "api_suggest": {"q": "arq", "limit": "5"},
    "page_browse": {"category": "Caja", "tag": "cierre", "kind": "procedure", "offset": "0"},
    "api_pages_list": {"kind": "procedure", "category": "Caja", "tag": "cierre",
                       "status": "published", "limit": "10", "offset": "0"},
    "page_diff": {"from": "1", "to": "2"},
    "page_new_form": {"kind": "lesson", "title": "Caso", "procedure": "arqueo"},
    "handover_page": {"user": "victima", "format": "csv"},
    "reports_risk": {"limit": "10", "format": "csv"},
    "reports_gaps": {"days": "30", "format": "csv"},
    "reports_stale": {"format": "csv"},
    "reports_challenges": {"format": "csv", "status": "all"},
    "audit_page": {"page": "1", "action": "login", "user": "raiz"},
    "audit_api": {"page": "1", "action": "login", "user": "raiz"},
    "flags_api_list": {"status": "all"},
    "challenges_api_list": {"status": "all"},
    "session_login_form": {"next": "/p/arqueo"},
}

TEXT_VALUES = [("empty", ""), ("space", " "), ("x", "x"), ("zero", "0"), ("minus", "-1"),
               ("huge", "99999999999999999999"), ("decimal", "1.5"), ("control", "a\x01b"),
               ("crlf", "a\r\nb"), ("script", "<script>alert(1)</script>"), ("accents", "ÁÉ ñ"),
               ("emoji", "\U0001F600"), ("traversal", "../../etc/passwd"),
               ("long", "a" * 3000)]
FORM_VALUES = TEXT_VALUES + [("100k", "a" * 100000)]
QUERY_VALUES = TEXT_VALUES + [("10k", "a" * 10000)]
JSON_VALUES = [("int", 5), ("zero", 0), ("minus", -1), ("float", 1.5), ("big", 1e300),
               ("int64", 2 ** 63 - 1), ("int64-min", -2 ** 63), ("array", []),
               ("strings", ["x", "arqueo"]), ("object", {"a": 1}), ("null", None), ("true", True),
               ("false", False), ("empty", ""), ("space", " "), ("control", "a\x01b"),
               ("script", "<script>"), ("100k", "a" * 100000), ("deep", "DEEP")]


def mutate_form(route, offered):
    """The form as offered, then each field removed, repeated, and given
    each of FORM_VALUES, alone."""
    fill_in = FORM_BODY.get(route.handler, {})
    rows = [(k, fill_in.get(k, "base_rev" if k == "base_rev" else v))
            for k, v in offered if k != "csrf"]
    rows += [(k, v) for k, v in fill_in.items() if k not in dict(offered)]
    names = list(dict.fromkeys(k for k, v in rows))
    variants = [("as-offered", rows)]
    for n in names:
        others = [(k, v) for k, v in rows if k != n]
        variants.append(("%s:removed" % n, others))
        variants.append(("%s:repeated" % n, rows + [(n, "x")]))
        for label, v in FORM_VALUES:
            variants.append(("%s:%s" % (n, label), others + [(n, v)]))
    return [Case("form " + label, "POST", at(route), form_body(rows), FORM)
            for label, rows in variants]


def form_body(rows):
    def make(csrf):
        return qe(([("csrf", csrf)] if csrf else []) +
                  [(k, str(S["db_rev"]) if v == "base_rev" else v) for k, v in rows]).encode()
    return make


def kind(v):
    """A JSON value's type as a handler sees it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)) or v == "base_rev":
        return "integer" if isinstance(v, int) or v == "base_rev" else "real"
    if v == "DEEP":
        return "array"
    return {str: "string", list: "array", dict: "object"}[type(v)]


# Fields that take more than one type, by design: a user by id or name,
# tags as a list or as "a, b".
MANY_TYPES = {("path_assign", "user"), ("path_unassign", "user"), ("api_page_put", "tags")}


def mutate_json(route, base, slug=None):
    """The valid body, then each field (and each field of an object in it)
    removed and given each of JSON_VALUES, alone. A value of another type
    than the valid one is garbage (null is "absent")."""
    m = "PUT" if "PUT" in route.methods else "POST"
    variants = [("as-valid", base, False)]

    def wrong(name, v, like):
        return kind(v) not in (kind(like), "null") and (route.handler, name) not in MANY_TYPES

    for n in base:
        variants.append(("%s:removed" % n, {k: v for k, v in base.items() if k != n}, False))
        for label, v in JSON_VALUES:
            variants.append(("%s:%s" % (n, label), dict(base, **{n: v}), wrong(n, v, base[n])))
        if isinstance(base[n], list) and base[n]:
            variants.append(("%s:50000" % n, dict(base, **{n: base[n][:1] * 50000}), False))
            variants.append(("%s:mixed" % n, dict(base, **{n: base[n] + [5, None, [], {}]}),
                             False))
        # The fields of an object, or of an array's first object.
        inside = base[n] if isinstance(base[n], dict) else \
            base[n][0] if isinstance(base[n], list) and base[n] and \
            isinstance(base[n][0], dict) else None
        for k in inside or ():
            for label, v in JSON_VALUES:
                one = dict(inside, **{k: v})
                variants.append(("%s.%s:%s" % (n, k, label),
                                 dict(base, **{n: one if inside is base[n] else
                                               [one] + base[n][1:]}),
                                 wrong(k, v, inside[k])))
    for n in ("title", "markdown", "lesson", "tags"):
        if n not in base:
            for label, v in (("5", 5), ("array", []), ("string", "x"), ("object", {"a": 1})):
                variants.append(("%s:%s" % (n, label), dict(base, **{n: v}), False))
    return [Case("json " + label, m, at(route, slug=slug), json_body(obj), JSON, garbage=bad)
            for label, obj, bad in variants]


def json_body(obj):
    def make(csrf):
        o = {k: S["db_rev"] if v == "base_rev" else v for k, v in obj.items()}
        return json.dumps(o).replace('"DEEP"', nested(1000)).encode()
    return make


def mutate_query(route, base, fields):
    names = list(dict.fromkeys(list(base) + fields[:10]))
    cases = [Case("query as-valid", "GET", at(route, query="?" + qe(base.items())))]
    for n in names:
        others = [(k, v) for k, v in base.items() if k != n]
        cases.append(Case("query %s:repeated" % n, "GET",
                          at(route, query="?" + qe(others + [(n, "1"), (n, "x")]))))
        for label, v in QUERY_VALUES:
            cases.append(Case("query %s:%s" % (n, label), "GET",
                              at(route, query="?" + qe(others + [(n, v)]))))
    return cases


class _Forms(html.parser.HTMLParser):
    """Every POST form of a page: action -> [(name, value)] as a browser
    sends it (the first form with each action)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.cur, self.text, self.select = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            act = a.get("action", "")
            if a.get("method", "get").lower() == "post" and act not in self.forms:
                self.cur = self.forms[act] = []
            else:
                self.cur = None
        elif self.cur is None:
            return
        elif tag == "input" and a.get("name"):
            t = a.get("type", "text").lower()
            if t in ("submit", "button", "image", "reset", "file") or \
                    (t in ("checkbox", "radio") and "checked" not in a):
                return
            self.cur.append([a["name"], a.get("value", "on" if t == "checkbox" else "")])
        elif tag == "textarea" and a.get("name"):
            self.text = [a["name"], ""]
            self.cur.append(self.text)
        elif tag == "select" and a.get("name"):
            self.select = [a["name"], None]
            self.cur.append(self.select)
        elif tag == "option" and self.select is not None:
            if self.select[1] is None or "selected" in a:
                self.select[1] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None
        elif tag == "textarea" and self.text is not None:
            self.text[1] = self.text[1][1:] if self.text[1].startswith("\n") else self.text[1]
            self.text = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.text is not None:
            self.text[1] += data


def offered_forms(srv, routes):
    """pattern -> the fields of the form the server's own pages offer for
    it, read as the admin from every page (and a few more)."""
    pages = [fill(rt) for rt in routes if not rt.api and "GET" in rt.methods]
    pages += ["/new?kind=lesson", "/new?kind=procedure", "/p/caso-cafetera", "/p/borrador",
              "/p/archivada", "/p/para-archivar", "/reports/handover?user=victima",
              "/p/arqueo/proposals/%s" % pending_proposal(srv)]
    out = {}
    for who in ("admin", "staff", "anon"):
        for page in pages:
            r = send(srv, S["who"][who], "GET", page)
            if not isinstance(r, Reply) or r.status != 200 or \
                    not r.header("Content-Type").startswith("text/html"):
                continue
            p = _Forms()
            p.feed(r.body.decode("utf-8", "replace"))
            for action, fields in p.forms.items():
                path = urllib.parse.urlsplit(action).path
                for rt in routes:
                    if "POST" in rt.methods and not rt.api and rt.pattern not in out and \
                            match(rt.pattern, path):
                        out[rt.pattern] = [tuple(f) for f in fields if f[1] is not None]
    return out


def mutation_battery(route, fields, forms):
    if route.handler in NO_MUTATIONS:
        return []
    if route.write and route.api and route.handler in API_BODY:
        bodies = API_BODY[route.handler]
        if isinstance(bodies, dict):
            bodies = [(None, bodies)]
        return [c for slug, body in bodies for c in mutate_json(route, body, slug)]
    if route.write and not route.api and (route.pattern in forms or
                                          route.handler in FORM_BODY):
        return mutate_form(route, forms.get(route.pattern, []))
    if "GET" in route.methods and not route.write:
        return mutate_query(route, QUERY.get(route.handler, {}), fields)
    return []


# ---- running it ----

class Sweep:
    def __init__(self, srv, db=None, upkeep=True):
        self.srv = srv
        self.db = db or S["db"]
        self.upkeep = upkeep    # keep the fixtures in the state each route needs
        self.failures = []
        self.sent = 0
        self.t0 = time.time()

    def fail(self, who, case, path, msg, *args):
        self.failures.append("[%s] %s %s (%s): %s" % (
            who.role, case.method, path[:150], case.name, msg % args))

    def run(self, route, who, case, expect=None):
        t_up = time.time()
        if self.upkeep:
            upkeep(self.srv, route)
        path = case.path(self.upkeep and self.srv) if callable(case.path) else case.path
        S["db_rev"] = rev(re.sub(r"^/(?:api/v1/pages|p)/([^/?]+).*", r"\1", path)) or 1
        headers = {}
        if case.ctype:
            headers["Content-Type"] = case.ctype
        csrf = who.csrf if case.csrf and case.method != "GET" else None
        body = case.body
        if callable(body):
            body = body(csrf if case.ctype != JSON and not route.api else None)
        if csrf:
            if case.ctype == FORM and not callable(case.body):
                body = ("csrf=%s&" % csrf).encode() + (body or b"")
            elif route.api or case.ctype not in (FORM, MULTIPART):
                headers["X-CSRF-Token"] = csrf
        t0 = time.time()
        self.db.before()
        r = send(self.srv, who, case.method, path, body, headers, case.headers)
        self.sent += 1
        if not isinstance(r, Reply):
            self.db.end()
            alive = self.srv.proc.poll() is None
            self.fail(who, case, path, "%s after %.1f s: %r%s", "no answer" if alive else "CRASH",
                      time.time() - t0, r, "" if alive else "\n" + self.srv.read_log()[-3000:])
            return None
        # Only refusals and garbage are checked: compare only for them.
        if r.status >= 400 or case.garbage or LOG:
            changed = self.db.changed()
        else:
            changed = self.db.end() or []
        if LOG:
            LOG.write("%s\t%s\t%s\t%d\t%s\t%.1f\n" % (route, who.role, case.name, r.status,
                                                     ",".join(changed),
                                                     (time.time() - t_up) * 1000))
        if r.status >= 500:
            self.fail(who, case, path, "%d: %r", r.status, r.body[:300])
        if expect and r.status not in expect:
            self.fail(who, case, path, "%d, expected %s: %r", r.status, expect, r.body[:200])
        if 400 <= r.status < 500:
            if changed:
                self.fail(who, case, path, "refused with %d but changed %s", r.status, changed)
            self.check_error_format(who, case, path, r)
        elif r.status < 400 and case.garbage:
            self.fail(who, case, path, "garbage answered %d%s", r.status,
                      " and changed " + ", ".join(changed) if changed else "")
        return r

    def check_error_format(self, who, case, path, r):
        ct = r.header("Content-Type")
        if path.startswith("/api/") and case.method == "HEAD":
            if not ct.startswith("application/json"):
                self.fail(who, case, path, "API error %d is %s", r.status, ct)
        elif path.startswith("/api/"):
            try:
                j = json.loads(r.body)
            except ValueError:
                j = None
            if not (ct.startswith("application/json") and isinstance(j, dict) and
                    isinstance(j.get("error"), str) and j["error"] and
                    isinstance(j.get("message"), str) and j["message"]):
                self.fail(who, case, path, "API error %d is not JSON {error, message}: %s %r",
                          r.status, ct, r.body[:200])
        elif not (ct.startswith("text/html") and
                  (case.method == "HEAD" or b"<html" in r.body[:300].lower())):
            self.fail(who, case, path, "error %d is not an HTML page: %s %r", r.status, ct,
                      r.body[:200])

    def alive(self, what):
        r = send(self.srv, Who("anon"), "GET", "/healthz")
        if not isinstance(r, Reply) or r.status != 200:
            self.failures.append("the server is down after %s: %r\n%s" % (
                what, r, self.srv.read_log()[-3000:]))
            return False
        return True

    def report(self, what):
        print("    %s: %d requests in %.1f s" % (what, self.sent, time.time() - self.t0))
        check(not self.failures, "%d failures in %s:\n%s%s", len(self.failures), what,
              "\n".join(self.failures[:SHOW]), "\n..." if len(self.failures) > SHOW else "")


def eligible(route, who):
    if who.role == "admin-token":
        return route.api
    if who.role == "anon":
        return route.min_rank == 0
    return who.rank >= route.min_rank


def denied_expect(route, who, case):
    """The router's answer to a role below the route's. A query that is
    not valid UTF-8 is refused before the route is looked up (400)."""
    bad_query = (400,) if case.garbage and case.name.startswith("q-") else ()
    if who.role != "anon":
        return (403,) + bad_query
    if not route.api and case.method == "GET":
        return (303,) + bad_query
    return (401,) + bad_query


# Handlers swept by fewer roles, and why.
ONLY_ROLES = {
    # Each garbage login that reaches the password check counts against
    # the address (20 in 15 minutes, auth.c): swept once, anonymously.
    "session_login": ("anon",),
    # A success ends the session: a fresh one per case.
    "session_logout": ("anon", "reader"),
}
FRESH_SESSION = {"session_logout"}
ALL = ("anon",) + tuple(USERS) + ("admin-token",)


def roles_of(route):
    return [w for w in ALL if w in ONLY_ROLES.get(route.handler, ALL) and
            (w != "admin-token" or route.api)]


def run_cases(sw, srv, route, role, cases, expect=None):
    who = S["who"][role]
    for case in cases:
        if not case.csrf and who.token:
            continue        # the same as the case before: tokens need no CSRF token
        if route.handler in FRESH_SESSION and who.role != "anon":
            who = login(srv, who.role)
        r = sw.run(route, who, case, expect(case) if expect else None)
        if r is None and srv.proc.poll() is not None:
            sw.report("the sweep (the server died)")


def sweep_garbage(srv, routes, what):
    sw = Sweep(srv)
    for route in routes:
        cases = garbage_battery(route, S["fields"][route.handler])
        roles = roles_of(route)
        full = [w for w in roles if eligible(route, S["who"][w])]
        full = {full[0], full[-1]} if full else ()
        for role in roles:
            who = S["who"][role]
            if role in full:
                run_cases(sw, srv, route, role, cases)
            elif eligible(route, who):
                # The roles between: the odd paths, and every third case.
                run_cases(sw, srv, route, role, [c for i, c in enumerate(cases)
                                                 if c.name.startswith("{") or i % 3 == 0])
            else:
                sample = cases[:1] + [c for c in cases if c.garbage][:1]
                run_cases(sw, srv, route, role, sample,
                          lambda c, route=route, who=who: denied_expect(route, who, c))
        if not sw.alive(repr(route)):
            break
    sw.report(what)


def sweep_mutations(srv, routes, what):
    sw = Sweep(srv)
    forms = S.setdefault("forms", offered_forms(srv, S["routes"]))
    for route in routes:
        cases = mutation_battery(route, S["fields"][route.handler], forms)
        roles = [w for w in roles_of(route) if eligible(route, S["who"][w])]
        if not cases or not roles:
            continue
        # The least role, and every other case as the most (the admin's
        # token on the API).
        run_cases(sw, srv, route, roles[0], cases)
        if roles[-1] != roles[0]:
            run_cases(sw, srv, route, roles[-1], cases[::2])
        if not sw.alive(repr(route)):
            break
    sw.report(what)


def test_every_write_has_a_valid_request(srv):
    """The mutations start from a request that would be accepted: a new
    write route needs its form on one of the server's pages, or a line in
    FORM_BODY or API_BODY (or in NO_MUTATIONS, with the reason)."""
    forms = S.setdefault("forms", offered_forms(srv, S["routes"]))
    missing = [rt for rt in S["routes"] if rt.write and not mutation_battery(rt, [], forms)
               and rt.handler not in NO_MUTATIONS]
    check(not missing, "no valid request to mutate for %r", missing)


def test_garbage_pages(srv):
    sweep_garbage(srv, [rt for rt in S["routes"] if not rt.api], "the HTML routes")


def test_garbage_api(srv):
    sweep_garbage(srv, [rt for rt in S["routes"] if rt.api], "the API routes")


def test_mutations_pages(srv):
    sweep_mutations(srv, [rt for rt in S["routes"] if not rt.api], "the HTML routes")


def test_mutations_api(srv):
    sweep_mutations(srv, [rt for rt in S["routes"] if rt.api], "the API routes")


def allowed(path):
    """The methods routes.c takes at path, as the router sums them."""
    out = set()
    for rt in S["routes"]:
        if match(rt.pattern, path):
            out |= rt.methods
    return out


def test_methods_not_allowed(srv):
    """Every method a path does not take is a 405 that names the ones it
    does (GET brings HEAD), in the route's error format, whoever asks and
    whatever the body; nothing changes. An extension method libevent does
    not know (FOO) is its 501 Not Implemented, before any route."""
    sw = Sweep(srv)
    names = {"GET": "GET, HEAD", "POST": "POST", "PUT": "PUT", "DELETE": "DELETE"}
    for route in S["routes"]:
        path = fill(route)
        have = allowed(path)
        want = ", ".join(names[m] for m in ("GET", "POST", "PUT", "DELETE") if m in have)
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
            if method in have:
                continue
            for role in ("anon", "admin"):
                case = Case("method-" + method, method, path,
                            None if method in ("GET", "TRACE") else b'{"title": 5}', JSON)
                r = sw.run(route, S["who"][role], case, (405,))
                if r is not None and r.status == 405 and r.header("Allow") != want:
                    sw.fail(S["who"][role], case, path, "Allow %r, expected %r",
                            r.header("Allow"), want)
        # HEAD is GET without the body.
        if "GET" in have:
            r = sw.run(route, S["who"]["admin"], Case("method-HEAD", "HEAD", path))
            if r is not None and r.body:
                sw.fail(S["who"]["admin"], Case("method-HEAD", "HEAD", path), path,
                        "HEAD answered a body of %d bytes", len(r.body))
    r = send(srv, S["who"]["admin"], "FOO", "/api/v1/pages")
    check(isinstance(r, Reply) and r.status == 501, "FOO: %r", r)
    sw.alive("the methods")
    sw.report("405s")


def test_router_without_public_read(srv):
    """Without --public-read, visitors get the router's 401 (API, writes)
    or a redirect to the login page (pages) on every route not public,
    whatever the path's parameters."""
    other = harness.Server()
    other.add_user("raiz", "admin")
    other.start()
    try:
        sw = Sweep(other, Database(other), upkeep=False)
        anon = Who("anon")
        for route in S["routes"]:
            cases = path_cases(route)[:3] + [empty_body(route, fill(route), "empty")
                                             if route.write else Case("plain", "GET", fill(route))]
            for case in cases:
                if "R_PUBLIC" in route.flags:
                    expect = None
                elif route.api or case.method != "GET":
                    expect = (401, 400)
                else:
                    expect = (303, 400)
                r = sw.run(route, anon, case, expect)
                if r is not None and r.status == 303 and \
                        not r.header("Location").startswith("/login?next="):
                    sw.fail(anon, case, fill(route), "redirected to %r", r.header("Location"))
        sw.alive("the visitors")
        sw.report("visitors without --public-read")
    finally:
        rc = other.stop()
        other.cleanup()
    check(rc == 0, "the second server exited with %s", rc)


# Headers the server parses itself: the language, the cookies, the token,
# the CSRF header, the body's type and its parameters, ETags.
HEADERS = [
    ("lang-empty", {"Accept-Language": ""}),
    ("lang-odd", {"Accept-Language": "es;q=abc, en;q=1.5, *;q=-1, ,,;;, x-" + "a" * 100}),
    ("lang-10k", {"Accept-Language": ("en-GB;q=0.9, " * 800)[:10000]}),
    ("lang-ff", {"Accept-Language": b"\xff\xfe;q=1"}),
    ("cookie-empty", {"Cookie": ""}),
    ("cookie-odd", {"Cookie": '=; ;=x; oficio_session; oficio_session="; a=b=c; "x"'}),
    ("cookie-long", {"Cookie": "oficio_session=" + "A" * 8000}),
    ("cookie-many", {"Cookie": "; ".join("c%d=%d" % (i, i) for i in range(600))[:12000]}),
    ("cookie-ff", {"Cookie": b"oficio_session=\xff\xfe"}),
    ("bearer-empty", {"Authorization": "Bearer "}),
    ("bearer-word", {"Authorization": "Bearer"}),
    ("bearer-long", {"Authorization": "Bearer " + "A" * 8000}),
    ("bearer-odd", {"Authorization": "Bearer a b\tc%00"}),
    ("bearer-ff", {"Authorization": b"Bearer \xff\xfe"}),
    ("basic", {"Authorization": "Basic cmFpejp4"}),
    ("csrf-long", {"X-CSRF-Token": "A" * 8000}),
    ("csrf-ff", {"X-CSRF-Token": b"\xff"}),
    ("etag-star", {"If-None-Match": "*"}),
    ("etag-odd", {"If-None-Match": '"", W/, "' + "a" * 5000}),
    ("type-boundary-long", {"Content-Type": "multipart/form-data; boundary=" + "b" * 5000}),
    ("type-boundary-empty", {"Content-Type": "multipart/form-data; boundary="}),
    ("type-boundary-quoted", {"Content-Type": 'multipart/form-data; boundary="'}),
    ("type-charset", {"Content-Type": "application/json; charset=latin1"}),
    ("type-form-charset", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-16"}),
    ("type-empty", {"Content-Type": ""}),
    ("forwarded", {"X-Forwarded-For": "\xff, " + "1" * 5000}),
]


def test_hostile_headers(srv):
    """Every route with each header of HEADERS, as the admin (the session
    still sent: a second Cookie header, or the CSRF token, comes after
    it) and as a visitor; the body is a small valid-looking one."""
    sw = Sweep(srv)
    for route in S["routes"]:
        for role in ("anon", "admin"):
            who = S["who"][role]
            if route.handler in FRESH_SESSION:
                continue
            for name, h in HEADERS:
                if route.write:
                    c = empty_body(route, at(route), "header " + name)
                    c.body = b'{"comment": "x"}' if route.api else b"comment=x"
                else:
                    c = Case("header " + name, "GET", at(route))
                c.headers = h
                sw.run(route, who, c)
        if not sw.alive(repr(route)):
            break
    sw.report("hostile headers")


def test_fields_of_another_type_are_refused(srv):
    """What the sweep found: the lifecycle endpoints took a field of
    another type as if it had not been sent (a promoted lesson got its own
    title for {"title": 5}, a submit or a proposal's acceptance went
    through without its comment, {"publish": "yes"} made a draft), PUT
    ignored {"significant": "yes"}, {"lesson": "x"} and a lesson's
    {"outcome": 5}, a path {"archived": "no"}, and a JSON array was read as
    an empty form (a settings save of nothing, written to the page's
    history). Each is a 400 that changes nothing."""
    sw = Sweep(srv)
    w = S["who"]
    cases = [
        ("review_promote", "caso-cafetera", {"title": 5}),
        ("review_promote", "caso-cafetera", {"publish": "yes"}),
        ("review_promote", "caso-cafetera", []),
        ("review_submit", "borrador", {"comment": 5}),
        ("review_unarchive", "archivada", {"comment": ["x"]}),
        ("review_archive", "para-archivar", {"reason": {"a": 1}}),
        ("review_decide", "borrador", {"decision": "return", "comment": True}),
        ("proposal_accept", None, {"comment": 5}),
        ("proposal_accept", None, {"rebase": "1"}),
        ("proposal_reject", None, {"comment": 5}),
        ("flags_create", None, {"reason": "wrong", "comment": 5}),
        ("flags_resolve", None, {"comment": ["x"]}),
        ("challenges_dismiss", None, {"reason": 5}),
        ("owners_save", None, []),
        ("paths_create", None, dict(API_BODY["paths_create"], archived="no")),
        ("path_update", None, dict(API_BODY["path_update"], archived=1)),
    ]
    put = API_BODY["api_page_put"][1][1]
    for body in ({"significant": "yes"}, {"resolve_flags": 1}, {"lesson": "x"},
                 {"lesson": dict(LESSON, outcome=5)}, {"lesson": dict(LESSON, bent_rule="yes")}):
        cases.append(("api_page_put", "caso-borrador", dict(put, **body)))
    for handler, slug, body in cases:
        route = next(rt for rt in S["routes"] if rt.handler == handler and rt.api)
        for role in ("admin", "admin-token"):
            case = Case("json %s" % json.dumps(body)[:60], "PUT" if "PUT" in route.methods else "POST",
                        at(route, slug=slug), json_body(body) if isinstance(body, dict)
                        else json.dumps(body).encode(), JSON)
            sw.run(route, w[role], case, (400,))
    sw.report("fields of another type")


def test_still_alive(srv):
    r = send(srv, Who("anon"), "GET", "/healthz")
    check(isinstance(r, Reply) and r.status == 200, "healthz: %r", r)
    check(srv.proc.poll() is None, "the server is not running")
