"""The JSON API of the foundation: list, get, put (201 create, 200 save,
409 stale base_rev, 400 missing base_rev), revisions; Bearer tokens and
cookie sessions with X-CSRF-Token; 401 without auth, 403 for a reader;
every error shaped {error, message}. Each write checks the database.
"""
from util import check, json_error, status

S = {}
SLUG = "manual-de-caja"
MD1 = "# Manual de caja\n\n- [ ] Abrir la caja\n- [ ] Contar el cambio\n"
MD2 = MD1 + "- [ ] Firmar el arqueo\n"


def setup(srv):
    srv.add_user("edu", "editor", display="Eduardo")
    srv.add_user("sam", "staff")
    srv.add_user("rita", "reader")


def stored(srv, slug=SLUG):
    """(current_rev, [markdown of each revision]) as the database has them."""
    cur = srv.scalar("SELECT current_rev FROM pages WHERE slug = ?", slug)
    mds = [m for (m,) in srv.query("SELECT r.markdown FROM revisions r JOIN pages p "
                                   "ON p.id = r.page_id WHERE p.slug = ? ORDER BY r.n", slug)]
    return cur, mds


def test_tokens(srv):
    S["edu"] = srv.client(token=srv.token("edu"))
    S["rita"] = srv.client(token=srv.token("rita"))
    S["sam"] = srv.client(token=srv.token("sam"))


def test_no_auth_is_401(srv):
    anon = srv.client()
    json_error(anon.api("GET", "/api/v1/pages"), 401)
    json_error(anon.api("GET", "/api/v1/pages/" + SLUG), 401)
    json_error(anon.api("PUT", "/api/v1/pages/" + SLUG, {"title": "X", "markdown": "x"}), 401)
    bad = srv.client(token="A" * 43)
    json_error(bad.api("GET", "/api/v1/pages"), 401)
    bad = srv.client(token="not-a-token")
    json_error(bad.api("GET", "/api/v1/pages"), 401)
    check(srv.scalar("SELECT count(*) FROM pages") == 0, "an unauthenticated PUT stored a page")


def test_put_creates_201(srv):
    r = S["edu"].api("PUT", "/api/v1/pages/" + SLUG,
                     {"title": "Manual de caja", "kind": "procedure", "markdown": MD1,
                      "comment": "primera versión", "category": "Caja",
                      "tags": ["caja", "apertura"]})
    status(r, 201)
    j = r.json()
    check(j["slug"] == SLUG and j["rev"] == 1, "created: %r", j)
    check(j["title"] == "Manual de caja" and j["kind"] == "procedure", "created: %r", j)
    check(j["status"] == "published", "an editor's new page should be published: %r", j["status"])
    # The answer leaves the text out (the client sent it); GET has it.
    check("markdown" not in j and "html" not in j, "the save echoes the text: %r", sorted(j))
    j = status(S["edu"].api("GET", "/api/v1/pages/" + SLUG), 200).json()
    check(j["rev"] == 1 and j["markdown"] == MD1, "created: %r", j)
    check("<li>" in j["html"] and "checkbox" in j["html"], "html not rendered: %r", j["html"])
    check(stored(srv) == (1, [MD1]), "stored: %r", stored(srv))


def test_get_page(srv):
    for who in ("edu", "rita", "sam"):
        r = status(S[who].api("GET", "/api/v1/pages/" + SLUG), 200)
        j = r.json()
        for k in ("slug", "title", "kind", "status", "rev", "markdown", "html", "owner",
                  "verified_at"):
            check(k in j, "GET page has no %r: %r", k, sorted(j))
        check(j["rev"] == 1 and j["markdown"] == MD1, "%s reads %r", who, j)
    json_error(S["edu"].api("GET", "/api/v1/pages/no-existe"), 404)


def test_list_pages(srv):
    r = status(S["rita"].api("GET", "/api/v1/pages"), 200)
    j = r.json()
    check(isinstance(j.get("pages"), list), "list has no pages array: %r", j)
    check(any(p.get("slug") == SLUG for p in j["pages"]), "the page is not listed: %r", j)
    r = status(S["rita"].api("GET", "/api/v1/pages?category=Caja"), 200)
    check(any(p.get("slug") == SLUG for p in r.json()["pages"]), "category filter lost the page")
    r = status(S["rita"].api("GET", "/api/v1/pages?category=Otra"), 200)
    check(not any(p.get("slug") == SLUG for p in r.json()["pages"]), "category filter ignored")
    r = status(S["rita"].api("GET", "/api/v1/pages?tag=apertura"), 200)
    check(any(p.get("slug") == SLUG for p in r.json()["pages"]), "tag filter lost the page")


def test_put_saves_200(srv):
    r = S["edu"].api("PUT", "/api/v1/pages/" + SLUG,
                     {"title": "Manual de caja", "markdown": MD2, "base_rev": 1,
                      "comment": "firma"})
    status(r, 200)
    j = r.json()
    check(j["rev"] == 2 and "markdown" not in j, "saved: %r", j)
    check(stored(srv) == (2, [MD1, MD2]), "stored: %r", stored(srv))


def test_put_stale_base_rev_409(srv):
    before = stored(srv)
    r = S["edu"].api("PUT", "/api/v1/pages/" + SLUG,
                     {"title": "Manual de caja", "markdown": "texto viejo pisando\n",
                      "base_rev": 1})
    j = json_error(r, 409)
    check(j.get("current_rev") == 2, "409 body should name current_rev 2: %r", j)
    check(stored(srv) == before, "a stale PUT changed the stored text: %r", stored(srv))
    # A base_rev from the future is stale too.
    r = S["edu"].api("PUT", "/api/v1/pages/" + SLUG,
                     {"title": "Manual de caja", "markdown": "futuro\n", "base_rev": 7})
    json_error(r, 409)
    check(stored(srv) == before, "a PUT with a future base_rev changed the text")


def test_put_without_base_rev_400(srv):
    before = stored(srv)
    for body in ({"title": "Manual de caja", "markdown": "sin base\n"},
                 {"title": "Manual de caja", "markdown": "sin base\n", "base_rev": None},
                 {"title": "Manual de caja", "markdown": "sin base\n", "base_rev": "2"}):
        json_error(S["edu"].api("PUT", "/api/v1/pages/" + SLUG, body), 400)
    # base_rev 0 means "create": the page exists, so it is a conflict (409,
    # as when two writers create one page at once), not a malformed body.
    r = S["edu"].api("PUT", "/api/v1/pages/" + SLUG,
                     {"title": "Manual de caja", "markdown": "sin base\n", "base_rev": 0})
    json_error(r, 409)
    check(r.json().get("current_rev", 0) >= 1, "409 without current_rev")
    check(stored(srv) == before, "a PUT without base_rev changed the text")


def test_put_bad_bodies_400(srv):
    before = stored(srv)
    e = S["edu"]
    json_error(e.request("PUT", "/api/v1/pages/" + SLUG, body=b"{not json",
                         headers={"Content-Type": "application/json"}, raw=True), 400)
    json_error(e.api("PUT", "/api/v1/pages/" + SLUG, ["a", "list"]), 400)
    json_error(e.api("PUT", "/api/v1/pages/" + SLUG, {"title": 5, "markdown": "x",
                                                      "base_rev": 2}), 400)
    json_error(e.api("PUT", "/api/v1/pages/" + SLUG, {"title": "T", "base_rev": 2}), 400)
    json_error(e.api("PUT", "/api/v1/pages/nueva", {"title": "", "markdown": "x"}), 400)
    json_error(e.api("PUT", "/api/v1/pages/nueva", {"title": "T" * 300, "markdown": "x"}), 400)
    json_error(e.api("PUT", "/api/v1/pages/nueva", {"title": "T", "markdown": "x",
                                                    "kind": "receta"}), 400)
    check(stored(srv) == before, "a bad body changed the text")
    check(srv.scalar("SELECT count(*) FROM pages") == 1, "a bad body created a page")


def test_revisions(srv):
    r = status(S["rita"].api("GET", "/api/v1/pages/%s/revisions" % SLUG), 200)
    revs = r.json().get("revisions")
    check(isinstance(revs, list) and sorted(x["n"] for x in revs) == [1, 2],
          "revisions: %r", r.json())
    r = status(S["rita"].api("GET", "/api/v1/pages/%s/revisions/1" % SLUG), 200)
    check(r.json()["markdown"] == MD1 and r.json()["rev"] == 1, "revision 1: %r", r.json())
    r = status(S["rita"].api("GET", "/api/v1/pages/%s/revisions/2" % SLUG), 200)
    check(r.json()["markdown"] == MD2, "revision 2: %r", r.json())
    json_error(S["rita"].api("GET", "/api/v1/pages/%s/revisions/3" % SLUG), 404)
    j = S["rita"].api("GET", "/api/v1/pages/%s/revisions/abc" % SLUG)
    check(j.status in (400, 404), "revision abc: %r", j)
    json_error(j, j.status)
    json_error(S["rita"].api("GET", "/api/v1/pages/no-existe/revisions"), 404)


def test_cookie_session_needs_csrf_header(srv):
    c = srv.client()
    status(c.login("edu"), 303)
    check(c.csrf, "no CSRF token after logging in")
    csrf = c.csrf
    r = status(c.api("GET", "/api/v1/pages/" + SLUG), 200)
    before = stored(srv)
    body = {"title": "Manual de caja", "markdown": MD2 + "- [ ] Guardar\n", "base_rev": 2}
    # Without the header, and with a wrong one: 403, nothing stored.
    c.csrf = None
    json_error(c.api("PUT", "/api/v1/pages/" + SLUG, body), 403)
    json_error(c.api("PUT", "/api/v1/pages/" + SLUG, body, headers={"X-CSRF-Token": "x" * 43}),
               403)
    json_error(c.api("PUT", "/api/v1/pages/cookie-nueva", {"title": "Nueva", "markdown": "x"}),
               403)
    check(stored(srv) == before, "a PUT without CSRF changed the text")
    check(srv.scalar("SELECT count(*) FROM pages WHERE slug = 'cookie-nueva'") == 0,
          "a PUT without CSRF created a page")
    c.csrf = csrf
    r = status(c.api("PUT", "/api/v1/pages/" + SLUG, body), 200)
    check(r.json()["rev"] == 3, "cookie PUT: %r", r.json())
    check(stored(srv) == (3, before[1] + [body["markdown"]]), "stored: %r", stored(srv))
    r = status(c.api("PUT", "/api/v1/pages/cookie-nueva", {"title": "Nueva", "markdown": "x\n"}),
               201)
    check(srv.scalar("SELECT current_rev FROM pages WHERE slug = 'cookie-nueva'") == 1, "created")


def test_reader_put_is_403(srv):
    before = stored(srv)
    body = {"title": "Manual de caja", "markdown": "lector\n", "base_rev": before[0]}
    json_error(S["rita"].api("PUT", "/api/v1/pages/" + SLUG, body), 403)
    json_error(S["rita"].api("PUT", "/api/v1/pages/del-lector", {"title": "L", "markdown": "x"}),
               403)
    c = srv.client()
    status(c.login("rita"), 303)
    json_error(c.api("PUT", "/api/v1/pages/" + SLUG, body), 403)
    check(stored(srv) == before, "a reader's PUT changed the text")
    check(srv.scalar("SELECT count(*) FROM pages WHERE slug = 'del-lector'") == 0,
          "a reader's PUT created a page")
    check(srv.scalar("SELECT count(*) FROM proposals") == 0, "a reader's PUT made a proposal")


def test_api_errors_are_json(srv):
    e = S["edu"]
    j = json_error(e.api("DELETE", "/api/v1/pages/" + SLUG), 405)
    r = e.api("DELETE", "/api/v1/pages/" + SLUG)
    allow = r.header("Allow") or ""
    check("GET" in allow and "PUT" in allow, "Allow: %r", allow)
    json_error(e.api("GET", "/api/v1/no-such-thing"), 404)
    json_error(e.api("POST", "/api/v1/pages/" + SLUG, {"x": 1}), 405)
    json_error(e.request("PUT", "/api/v1/pages/" + SLUG, body=b"title=x",
                         headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)
    check(j["error"] and j["message"], "405 body: %r", j)
    check(stored(srv)[0] == 3, "an erroneous request changed the page")


def test_concurrent_saves_on_one_base_never_overwrite(srv):
    """Eight editors save on the same base revision at once: exactly one
    wins, the others get 409 and nothing they sent is stored."""
    import threading
    cur, mds = stored(srv)
    results = [None] * 8

    def put(i):
        c = srv.client(token=S["edu"].token)
        r = c.api("PUT", "/api/v1/pages/" + SLUG,
                  {"title": "Manual de caja", "markdown": "versión %d\n" % i, "base_rev": cur})
        results[i] = (r.status, r.json())

    threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(s for s, _ in results)
    check(codes == [200] + [409] * 7, "statuses: %r", codes)
    winner = [i for i, (s, _) in enumerate(results) if s == 200][0]
    for s, j in results:
        if s == 409:
            check(j.get("current_rev") == cur + 1, "409 names current_rev %r", j.get("current_rev"))
    cur2, mds2 = stored(srv)
    check(cur2 == cur + 1 and mds2 == mds + ["versión %d\n" % winner], "stored: %r", (cur2, mds2))


def test_html_view_follows_api_saves(srv):
    """Every server thread shows the new text right after a save (the
    rendered-page cache is per thread)."""
    e = S["edu"]
    for _ in range(8):
        status(e.get("/p/" + SLUG), 200)
    cur, _ = stored(srv)
    status(e.api("PUT", "/api/v1/pages/" + SLUG,
                 {"title": "Manual de caja", "markdown": "Texto nuevo tras la caché\n",
                  "base_rev": cur}), 200)
    for i in range(8):
        r = status(e.get("/p/" + SLUG), 200)
        check("Texto nuevo tras la caché" in r.text, "view %d shows the old text", i)
    r = status(S["rita"].get("/p/" + SLUG), 200)
    check("Texto nuevo tras la caché" in r.text, "the reader sees the old text")
