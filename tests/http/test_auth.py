"""Logging in and out, sessions, anonymous access without --public-read,
security headers on every response, /healthz, and login throttling (last:
it locks a user out for the rest of this module's server).
"""

from util import check, error_text, form_values, json_error, redirect_to, status

PASSWORD = "contraseña-segura-1"  # harness.PASSWORD


def setup(srv):
    srv.add_user("ana", "editor", display="Ana")
    srv.add_user("rita", "reader", display="Rita")
    srv.add_user("victima", "staff", display="Víctima")
    srv.add_user("otra", "staff", display="Otra")


def test_anonymous_is_sent_to_login(srv):
    anon = srv.client()
    loc = redirect_to(anon.get("/"), "/login")
    check(anon.get(loc).status == 200, "the login page %s does not answer 200", loc)
    for path in ("/p/algo", "/browse", "/search?q=caja", "/new", "/me", "/admin/users",
                 "/p/algo/history"):
        loc = redirect_to(anon.get(path), "/login")
    # Where they were going is kept for after logging in.
    loc = redirect_to(anon.get("/browse?tag=caja"), "/login")
    check("next=" in loc and "browse" in loc, "the redirect does not keep next: %r", loc)
    json_error(anon.api("GET", "/api/v1/pages"), 401)
    json_error(anon.api("GET", "/api/v1/search?q=x"), 401)
    status(anon.post("/new", {"title": "x", "markdown": "x", "kind": "procedure"}), 401, 403)
    check(srv.scalar("SELECT count(*) FROM pages") == 0, "an anonymous POST stored a page")


def test_login_sets_a_safe_session_cookie(srv):
    c = srv.client()
    status(c.get("/login"), 200)
    r = c.post("/login", {"username": "ana", "password": PASSWORD, "next": "/browse"})
    check(redirect_to(r, "/browse") == "/browse", "login did not return to next")
    cookie = r.header("Set-Cookie") or ""
    check(cookie, "login set no cookie")
    attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
    check("httponly" in attrs, "session cookie is not HttpOnly: %r", cookie)
    check("samesite=lax" in attrs or "samesite=strict" in attrs,
          "session cookie is not SameSite=Lax: %r", cookie)
    check("path=/" in attrs, "session cookie is not for the whole site: %r", cookie)
    name, _, value = cookie.split(";")[0].partition("=")
    check(len(value) >= 32, "the session token is short: %r", value)
    # The database keeps a hash of the token, never the token.
    rows = srv.query("SELECT token_hash FROM sessions")
    check(rows and all(value.encode() not in bytes(h) and value != h for (h,) in rows),
          "the session token is stored as is")
    status(c.get("/"), 200)
    check("Ana" in c.get("/").text, "the home page does not show who is logged in")
    # The username is not case-sensitive, like the schema says.
    c2 = srv.client()
    redirect_to(c2.login("ANA"), "/")
    status(c2.get("/me"), 200)


def test_login_next_stays_on_this_site(srv):
    for nxt in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"):
        c = srv.client()
        c.get("/login")
        r = c.post("/login", {"username": "ana", "password": PASSWORD, "next": nxt})
        loc = r.header("Location") or ""
        check(r.status == 303 and loc.startswith("/") and not loc.startswith("//") and
              not loc.startswith("/\\"), "next=%r redirected to %r", nxt, loc)


def test_wrong_password_and_unknown_user_say_the_same(srv):
    c = srv.client()
    c.get("/login")
    wrong = c.post("/login", {"username": "otra", "password": "no-es-esta-clave", "next": "/"})
    unknown = c.post("/login", {"username": "nadie-se-llama-asi", "password": "no-es-esta-clave",
                                "next": "/"})
    check(wrong.status == unknown.status and 400 <= wrong.status < 500,
          "statuses differ or are not 4xx: %d vs %d", wrong.status, unknown.status)
    check(not c.cookies, "a failed login set a session cookie")
    ew, eu = error_text(wrong.text), error_text(unknown.text)
    check(ew, "the wrong-password page shows no error")
    check(ew == eu, "different messages: %r vs %r", ew, eu)
    check("otra" not in ew.lower(), "the message names the user")
    # The typed username comes back, the password never does.
    check("no-es-esta-clave" not in wrong.text, "the password is echoed back")
    # Empty fields: a clear 400, not a crash.
    status(c.post("/login", {"username": "", "password": "", "next": "/"}), 400)
    status(c.post("/login", {"username": "ana"}), 400)
    # A deactivated account cannot log in (the same message again).
    srv.cli("user", "deactivate", "otra")
    r = c.post("/login", {"username": "otra", "password": PASSWORD, "next": "/"})
    check(r.status == wrong.status and error_text(r.text) == ew,
          "a deactivated user logs in or gets another message: %d %r", r.status,
          error_text(r.text))


SECURITY_PATHS = ["/", "/login", "/healthz", "/static/oficio.css", "/p/no-existe",
                  "/api/v1/pages", "/api/v1/nada", "/browse"]


def _security_headers(r, what):
    csp = r.header("Content-Security-Policy") or ""
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    check(directives.get("default-src") == "default-src 'self'",
          "%s: CSP default-src is not 'self': %r", what, csp)
    check(directives.get("frame-ancestors") == "frame-ancestors 'none'",
          "%s: CSP has no frame-ancestors 'none': %r", what, csp)
    check("unsafe-inline" not in csp and "unsafe-eval" not in csp,
          "%s: CSP allows inline script: %r", what, csp)
    check((r.header("X-Content-Type-Options") or "").lower() == "nosniff",
          "%s: no X-Content-Type-Options nosniff", what)
    rp = (r.header("Referrer-Policy") or "").lower()
    check(rp and rp not in ("unsafe-url", "no-referrer-when-downgrade"),
          "%s: Referrer-Policy %r", what, rp)


def test_security_headers_on_every_response(srv):
    anon = srv.client()
    logged = srv.client()
    redirect_to(logged.login("ana"), "/")
    for path in SECURITY_PATHS:
        for who, c in (("anonymous", anon), ("ana", logged)):
            r = c.get(path)
            _security_headers(r, "%s GET %s (%d)" % (who, path, r.status))
    _security_headers(logged.request("DELETE", "/p/x"), "405")
    _security_headers(logged.post("/new", {"csrf": "x"}), "403")
    _security_headers(logged.post("/login", {"username": "ana", "password": PASSWORD,
                                             "next": "/"}), "303 login")
    _security_headers(logged.request("GET", "/p/%00"), "400")
    _security_headers(logged.request("HEAD", "/"), "HEAD")


def test_login_returns_where_the_visitor_was_going(srv):
    c = srv.client()
    loc = redirect_to(c.get("/browse?tag=caja"), "/login")
    r = status(c.get(loc), 200)
    f = form_values(r.text, "/login")
    check(f.get("next") == "/browse?tag=caja", "the login form does not carry next: %r", f)
    f.update({"username": "ana", "password": PASSWORD})
    check(redirect_to(c.post("/login", f), "/browse") == "/browse?tag=caja",
          "login did not return to /browse?tag=caja")


def test_garbage_cookies_and_tokens_are_anonymous(srv):
    for cookie in ("oficio_session=" + "A" * 43, "oficio_session=", "oficio_session=%%%",
                   "oficio_session=" + "x" * 5000, "=;=;;", "a=b; oficio_session=\"q\"",
                   "oficio_session=" + "A" * 43 + "; oficio_session=" + "B" * 43):
        r = srv.client().get("/", headers={"Cookie": cookie})
        check(r.status in (302, 303, 400), "Cookie %r answered %d", cookie[:60], r.status)
    for auth in ("Bearer", "Bearer ", "Bearer " + "A" * 43, "Basic YW5hOmI=", "bearer x" * 500):
        r = srv.client().get("/api/v1/pages", headers={"Authorization": auth})
        check(r.status in (400, 401), "Authorization %r answered %d", auth[:60], r.status)
    status(srv.client().get("/healthz"), 200)


def test_healthz_needs_no_login(srv):
    r = status(srv.client().get("/healthz"), 200)
    check((r.header("Content-Type") or "").startswith("application/json"),
          "/healthz is %r", r.header("Content-Type"))
    j = r.json()
    check(isinstance(j, dict) and j.get("status") == "ok", "/healthz: %r", j)


def test_session_survives_other_logins_and_logout_ends_only_itself(srv):
    a = srv.client()
    b = srv.client()
    redirect_to(a.login("ana"), "/")
    redirect_to(b.login("ana"), "/")
    check(a.cookies != b.cookies, "two logins share a session")
    redirect_to(a.post("/logout", {}), "/login")
    redirect_to(a.get("/"), "/login")
    status(b.get("/"), 200)


def test_login_throttling(srv):
    c = srv.client()
    c.get("/login")
    statuses = []
    for i in range(12):
        r = c.post("/login", {"username": "victima", "password": "mala-%d" % i, "next": "/"})
        statuses.append(r.status)
        if r.status == 429:
            break
    check(429 in statuses, "no 429 after %d failures: %r", len(statuses), statuses)
    check(len(statuses) <= 11, "throttled only after %d failures", len(statuses))
    check(all(s == 401 or s == 400 for s in statuses[:-1]), "statuses: %r", statuses)
    # Once throttled, even the right password is refused for now: the
    # attacker learns nothing from a guess that happens to be right.
    r = c.post("/login", {"username": "victima", "password": PASSWORD, "next": "/"})
    status(r, 429)
    check(not c.cookies, "a throttled login set a cookie")
    check(error_text(r.text), "the 429 page does not say why")
    # Another user from the same address is not locked out by it.
    c2 = srv.client()
    redirect_to(c2.login("rita"), "/")
    check(srv.scalar("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.username = 'victima'") == 0, "a session was created for victima")
