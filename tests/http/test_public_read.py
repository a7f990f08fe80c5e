"""--public-read: anonymous visitors read published pages (and nothing
else), and cannot write anything.
"""
import harness
from util import check, json_error, parse, redirect_to, status

S = {}
MD = "Horario de apertura: de 9 a 21.\n\n- [ ] Encender las luces\n"


def make_server():
    return harness.Server(args=["--public-read"])


def setup(srv):
    srv.add_user("edu", "editor", display="Eduardo")


def snapshot(srv):
    return (srv.query("SELECT id, slug, title, status, current_rev FROM pages ORDER BY id"),
            srv.query("SELECT page_id, n, markdown FROM revisions ORDER BY page_id, n"))


def test_pages(srv):
    e = srv.client(token=srv.token("edu"))
    status(e.api("PUT", "/api/v1/pages/horario", {"title": "Horario", "markdown": MD,
                                                  "category": "Tienda"}), 201)
    status(e.api("PUT", "/api/v1/pages/borrador-secreto",
                 {"title": "Borrador secreto", "markdown": "secreto\n", "status": "draft"}), 201)
    check(srv.scalar("SELECT status FROM pages WHERE slug = 'borrador-secreto'") == "draft",
          "the draft was published")


def test_anonymous_reads_published_pages(srv):
    anon = srv.client()
    r = status(anon.get("/"), 200)
    check('href="/p/horario"' in r.text, "the home page does not list the published page")
    check("borrador-secreto" not in r.text and "Borrador secreto" not in r.text,
          "the home page lists a draft to anonymous visitors")
    check('class="homepath"' not in r.text, "an anonymous visitor sees a path block")
    r = status(anon.get("/p/horario"), 200)
    check("Horario" in parse(r.text).h1 and "de 9 a 21" in r.text, "the page is not shown")
    status(anon.get("/p/horario/history"), 200)
    status(anon.get("/p/horario/r/1"), 200)
    status(anon.get("/browse?category=Tienda"), 200)
    r = status(anon.api("GET", "/api/v1/pages/horario"), 200)
    check(r.json()["markdown"] == MD, "the API does not give the page")
    # Drafts stay hidden, exactly like missing pages.
    status(anon.get("/p/borrador-secreto"), 404)
    json_error(anon.api("GET", "/api/v1/pages/borrador-secreto"), 404)
    r = status(anon.api("GET", "/api/v1/pages"), 200)
    slugs = [p["slug"] for p in r.json()["pages"]]
    check("horario" in slugs and "borrador-secreto" not in slugs, "listed: %r", slugs)


def test_anonymous_cannot_write(srv):
    anon = srv.client()
    before = snapshot(srv)
    # Forms to write lead to the login page (or are refused), never shown.
    for path in ("/p/horario/edit", "/new", "/new?kind=procedure", "/me", "/admin/users"):
        r = anon.get(path)
        check(r.status in (302, 303, 401, 403), "anonymous GET %s answered %d", path, r.status)
        if r.status in (302, 303):
            redirect_to(r, "/login")
    r = anon.post("/new", {"kind": "procedure", "title": "Anónima", "markdown": "x",
                           "publish": "1"})
    status(r, 401, 403)
    r = anon.post("/p/horario/edit", {"title": "Horario", "markdown": "pisado\n",
                                      "base_rev": "1"})
    status(r, 401, 403)
    status(anon.post("/p/horario/restore", {"rev": "1", "base_rev": "1"}), 401, 403)
    json_error(anon.api("PUT", "/api/v1/pages/horario", {"title": "Horario",
                                                         "markdown": "pisado\n",
                                                         "base_rev": 1}), 401)
    json_error(anon.api("PUT", "/api/v1/pages/anonima", {"title": "A", "markdown": "x"}), 401)
    check(snapshot(srv) == before, "an anonymous write changed the database")
    # The page offers no edit button to anonymous visitors.
    r = status(anon.get("/p/horario"), 200)
    check('href="/p/horario/edit"' not in r.text, "anonymous visitors are offered to edit")
