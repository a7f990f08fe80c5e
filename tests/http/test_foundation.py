"""The foundation journey over HTTP, from an empty database: the one-time
setup link creates the first administrator, who logs in, writes a
procedure with a table and a checklist, edits it, reads its history, an old
revision and a diff, restores revision 1, follows wiki links to a missing
page and creates it, browses by category and tag, sees recent changes on
the home page, and logs out.

No setup(): the server starts with no user, so it prints the setup link.
Tests run in file order and share state through S.
"""
import re
import urllib.parse

from util import (check, form_values, has_link, inputs, json_error, parse,
                  redirect_to, slug_of, status)

S = {}

TITLE = "Devolución fuera de plazo"
SLUG = "devolucion-fuera-de-plazo"
ADMIN = "marta"
ADMIN_NAME = "Marta Gil"
PASSWORD = "una-clave-larga-9"

MD1 = """Cuando un cliente quiere devolver un artículo fuera de plazo.

## Pasos

- [ ] Pedir el ticket
- [ ] Comprobar el estado del artículo
- [x] Llamar al encargado si supera 50 €

| Días fuera de plazo | Qué ofrecemos |
|---|---|
| 1 a 7 | Vale de compra |
| más de 7 | Consultar al encargado |

Ver también [[Otra página]] y [[otra-pagina|texto]].
"""

OLD_LINE = "- [ ] Pedir el ticket"
NEW_LINE = "- [ ] Pedir el ticket o el justificante de pago"
ADDED_LINE = "- [ ] Anotar la devolución en el registro"
MD2 = MD1.replace(OLD_LINE + "\n", NEW_LINE + "\n" + ADDED_LINE + "\n")


def revisions(srv, slug):
    return srv.query("SELECT r.n, r.title, r.markdown, r.author_id, r.created_at, r.comment "
                     "FROM revisions r JOIN pages p ON p.id = r.page_id "
                     "WHERE p.slug = ? ORDER BY r.n", slug)


def test_setup_link_creates_first_admin(srv):
    check(srv.scalar("SELECT count(*) FROM users") == 0, "the database should start empty")
    m = re.search(r"http://[^\s/]+(/setup\?token=([A-Za-z0-9_\-]+))", srv.read_log())
    check(m, "no setup link in the server log:\n%s", srv.read_log()[-2000:])
    path, token = m.group(1), m.group(2)
    c = srv.client()
    r = status(c.get(path), 200)
    check(inputs(r.text).get("token") == token, "the setup form does not carry the token")
    # A wrong token does nothing.
    status(c.post("/setup", {"token": "x" * len(token), "username": "intruso",
                             "name": "X", "password": PASSWORD}), 404, 403, 400)
    check(srv.scalar("SELECT count(*) FROM users") == 0, "a wrong token created a user")
    r = c.post("/setup", {"token": token, "username": ADMIN, "name": ADMIN_NAME,
                          "password": PASSWORD})
    redirect_to(r, "/")
    check(c.cookies, "setup did not log the new administrator in")
    r = status(c.get("/"), 200)
    check(ADMIN_NAME in r.text, "the home page does not show who is logged in")
    rows = srv.query("SELECT username, display_name, role, active FROM users")
    check(rows == [(ADMIN, ADMIN_NAME, "admin", 1)], "users after setup: %r", rows)
    # The link works once.
    status(srv.client().get(path), 404, 403, 410)
    status(srv.client().post("/setup", {"token": token, "username": "otro", "name": "Otro",
                                        "password": PASSWORD}), 404, 403, 410)
    check(srv.scalar("SELECT count(*) FROM users") == 1, "the setup link worked twice")


def test_login(srv):
    c = srv.client()
    status(c.get("/login"), 200)
    r = c.post("/login", {"username": ADMIN, "password": PASSWORD, "next": "/browse"})
    check(redirect_to(r, "/browse") == "/browse", "login should return to next")
    cookie = r.header("Set-Cookie")
    check(cookie, "login set no cookie")
    r = status(c.get("/"), 200)
    check(c.csrf, "no CSRF token in the page of a logged-in user")
    S["c"] = c


def test_create_procedure(srv):
    c = S["c"]
    r = status(c.get("/new?kind=procedure"), 200)
    r = c.post("/new", {"kind": "procedure", "title": TITLE, "markdown": MD1,
                        "category": "Caja", "tags": "devoluciones, caja", "publish": "1"})
    check(slug_of(r) == SLUG, "slug %r, expected %r", slug_of(r), SLUG)
    rows = srv.query("SELECT kind, title, category, status, current_rev FROM pages WHERE slug = ?",
                     SLUG)
    check(rows == [("procedure", TITLE, "Caja", "published", 1)], "page row: %r", rows)
    tags = sorted(t for (t,) in srv.query(
        "SELECT tag FROM page_tags JOIN pages ON pages.id = page_id WHERE slug = ?", SLUG))
    check(tags == ["caja", "devoluciones"], "tags: %r", tags)
    revs = revisions(srv, SLUG)
    check(len(revs) == 1 and revs[0][2] == MD1, "revision 1 is not the text sent: %r", revs)


def test_view_rendered(srv):
    r = status(S["c"].get("/p/" + SLUG), 200)
    d = parse(r.text)
    check(TITLE in d.h1, "the title is not the page's heading: %r", d.h1)
    check(TITLE in d.title, "the title is not in <title>: %r", d.title)
    check("<table" in r.text and "<td>Vale de compra</td>" in r.text.replace("\n", ""),
          "the Markdown table was not rendered as a table")
    boxes = [a for tag, a in d.elements if tag == "input" and a.get("type") == "checkbox"]
    check(len(boxes) >= 3, "the checklist has %d checkboxes, expected 3", len(boxes))
    check(sum(1 for a in boxes if "checked" in a) >= 1, "the ticked item is not checked")
    check("- [ ]" not in r.text, "checklist markers shown as text")


def test_edit(srv):
    c = S["c"]
    r = status(c.get("/p/%s/edit" % SLUG), 200)
    f = form_values(r.text, "/p/%s/edit" % SLUG)
    check(f.get("base_rev") == "1", "base_rev in the form: %r", f.get("base_rev"))
    check(f.get("markdown") == MD1, "the editor does not hold the current text")
    check(f.get("title") == TITLE, "the editor does not hold the title")
    f["markdown"] = MD2
    f["comment"] = "Aceptamos también el justificante"
    r = c.post("/p/%s/edit" % SLUG, f)
    redirect_to(r, "/p/" + SLUG)
    revs = revisions(srv, SLUG)
    check([n for n, *_ in revs] == [1, 2], "revisions after the edit: %r", [x[0] for x in revs])
    check(revs[1][2] == MD2 and revs[0][2] == MD1, "stored texts are not the ones sent")
    check(srv.scalar("SELECT current_rev FROM pages WHERE slug = ?", SLUG) == 2, "current_rev")
    # Category and tags survived the edit.
    check(srv.scalar("SELECT category FROM pages WHERE slug = ?", SLUG) == "Caja",
          "the edit lost the category")
    r = status(c.get("/p/" + SLUG), 200)
    check("justificante de pago" in r.text, "the page does not show the new text")


def test_history_lists_both_revisions(srv):
    r = status(S["c"].get("/p/%s/history" % SLUG), 200)
    for n in (1, 2):
        check(has_link(r.text, "/p/%s/r/%d" % (SLUG, n)), "history has no link to revision %d", n)
    check("Aceptamos también el justificante" in r.text, "history does not show the comment")
    check(ADMIN_NAME in r.text, "history does not show the author")


def test_old_revision(srv):
    r = status(S["c"].get("/p/%s/r/1" % SLUG), 200)
    check("Pedir el ticket" in r.text and "justificante de pago" not in r.text,
          "/r/1 does not show revision 1's text")
    r = status(S["c"].get("/p/%s/r/2" % SLUG), 200)
    check("justificante de pago" in r.text, "/r/2 does not show revision 2's text")
    status(S["c"].get("/p/%s/r/9" % SLUG), 404)
    status(S["c"].get("/p/%s/r/abc" % SLUG), 404, 400)


def _rows(body, word):
    return [t for cls, t in parse(body).rows if re.search(word, cls)]


def test_diff_shows_added_and_removed_lines(srv):
    r = status(S["c"].get("/p/%s/diff?from=1&to=2" % SLUG), 200)
    added = _rows(r.text, r"add|ins")
    removed = _rows(r.text, r"del|rem")
    check(any(NEW_LINE in t for t in added), "the changed line is not shown as added: %r", added)
    check(any(ADDED_LINE in t for t in added), "the new line is not shown as added: %r", added)
    check(any(OLD_LINE in t and "justificante" not in t for t in removed),
          "the old line is not shown as removed: %r", removed)
    check(not any("Comprobar el estado" in t for t in added + removed),
          "an unchanged line is shown as changed")


def test_restore_revision_1(srv):
    c = S["c"]
    before = revisions(srv, SLUG)
    r = status(c.get("/p/%s/history" % SLUG), 200)
    r = c.post("/p/%s/restore" % SLUG, {"rev": "1", "base_rev": "2"})
    redirect_to(r, "/p/" + SLUG)
    after = revisions(srv, SLUG)
    check(len(after) == 3, "restoring should append revision 3, have %d", len(after))
    check(after[:2] == before, "restoring rewrote earlier revisions")
    check(after[2][2] == MD1, "revision 3 is not revision 1's text")
    check(after[2][1] == TITLE, "revision 3 has another title")
    check(srv.scalar("SELECT current_rev FROM pages WHERE slug = ?", SLUG) == 3, "current_rev")
    check(srv.scalar("SELECT restored_from FROM revisions r JOIN pages p ON p.id = r.page_id "
                     "WHERE p.slug = ? AND r.n = 3", SLUG) == 1, "restored_from not recorded")
    r = status(c.get("/p/" + SLUG), 200)
    check("justificante de pago" not in r.text, "the page still shows revision 2")
    # A stale restore writes nothing.
    r = c.post("/p/%s/restore" % SLUG, {"rev": "2", "base_rev": "2"})
    status(r, 409)
    check(len(revisions(srv, SLUG)) == 3, "a stale restore wrote a revision")


def _wikilinks(body):
    return [(a, t) for a, t in parse(body).anchors if "/new?" in a.get("href", "")
            or "wikilink" in a.get("class", "") or t in ("Otra página", "texto")]


def test_wiki_link_to_missing_page(srv):
    c = S["c"]
    r = status(c.get("/p/" + SLUG), 200)
    links = {t: a for a, t in _wikilinks(r.text)}
    check("Otra página" in links and "texto" in links, "wiki links not rendered: %r", links)
    for label, a in links.items():
        check("missing" in a.get("class", ""), "link %r to a missing page is not marked: %r",
              label, a)
        u = urllib.parse.urlsplit(a["href"])
        check(u.path == "/new", "link %r to a missing page does not lead to /new: %r", label, a)
        t = urllib.parse.parse_qs(u.query).get("title", [""])[0]
        check(t in ("Otra página", "otra-pagina"), "create link %r has title %r", label, t)
    S["create_href"] = links["Otra página"]["href"]
    check(urllib.parse.parse_qs(urllib.parse.urlsplit(S["create_href"]).query)["title"] ==
          ["Otra página"], "[[Otra página]] should offer the title as written")


def test_create_the_missing_page(srv):
    c = S["c"]
    r = status(c.get(S["create_href"]), 200)
    f = form_values(r.text, "/new")
    check(f.get("title") == "Otra página", "the new-page form is not prefilled: %r",
          f.get("title"))
    f.update({"markdown": "Una página enlazada.\n", "category": "Otros", "tags": "varios",
              "publish": "1"})
    r = c.post("/new", f)
    check(slug_of(r) == "otra-pagina", "slug %r", slug_of(r))
    r = status(c.get("/p/" + SLUG), 200)
    links = {t: a for a, t in _wikilinks(r.text)}
    for label in ("Otra página", "texto"):
        a = links.get(label)
        check(a is not None, "link %r gone", label)
        check("missing" not in a.get("class", ""), "link %r still marked missing: %r", label, a)
        check(a.get("href") == "/p/otra-pagina", "link %r points to %r", label, a.get("href"))


def test_what_links_here(srv):
    r = status(S["c"].get("/p/otra-pagina"), 200)
    check(has_link(r.text, "/p/" + SLUG), "the target does not list the page linking to it")


def test_browse_by_category_and_tag(srv):
    c = S["c"]
    cases = [("/browse?category=Caja", True, False),
             ("/browse?tag=devoluciones", True, False),
             ("/browse?category=Caja&tag=devoluciones", True, False),
             ("/browse?category=Otros", False, True),
             ("/browse?tag=varios", False, True),
             ("/browse?category=Caja&tag=varios", False, False),
             ("/browse", True, True)]
    for url, first, second in cases:
        r = status(c.get(url), 200)
        check(has_link(r.text, "/p/" + SLUG) == first, "%s: %s listed=%s", url, SLUG, not first)
        check(has_link(r.text, "/p/otra-pagina") == second, "%s: otra-pagina listed=%s", url,
              not second)
    r = status(c.get("/browse?category=" + urllib.parse.quote("Categoría que no existe")), 200)
    check(not has_link(r.text, "/p/" + SLUG), "an unknown category lists pages")


def test_recent_changes_on_home(srv):
    r = status(S["c"].get("/"), 200)
    check(has_link(r.text, "/p/" + SLUG) and has_link(r.text, "/p/otra-pagina"),
          "the home page does not list recent changes")
    # Most recent first.
    check(r.text.index('href="/p/otra-pagina"') < r.text.index('href="/p/%s"' % SLUG),
          "recent changes are not most recent first")


def _chip_count(html, category):
    m = re.search(r'name="category" value="%s" class="chip cat">[^<]*<span class="n">(\d+)</span>'
                  % re.escape(category), html)
    return int(m.group(1)) if m else 0


def test_category_chips_follow_saves(srv):
    # The chips' counts are kept per thread until the next write: every
    # thread answers with the new count as soon as a save has returned.
    c = S["c"]
    for url in ("/", "/browse") * 3:
        n = _chip_count(status(c.get(url), 200).text, "Caja")
        check(n == 1, "%s: Caja counts %d pages, not 1", url, n)
    r = c.post("/new", {"kind": "procedure", "title": "Arqueo de caja", "markdown": "Contar.\n",
                        "category": "Caja", "tags": "", "publish": "1"})
    check(slug_of(r) == "arqueo-de-caja", "slug %r", slug_of(r))
    for url in ("/", "/browse") * 3:
        n = _chip_count(status(c.get(url), 200).text, "Caja")
        check(n == 2, "%s: Caja counts %d pages after a save, not 2", url, n)
    r = status(c.get("/search?q=arqueo"), 200)
    check('<option value="Caja"' in r.text, "the search page has no Caja filter")


def test_logout(srv):
    c = S["c"]
    old = dict(c.cookies)
    csrf = c.csrf
    # Logging out is a state change: without the CSRF token it does nothing.
    r = c.request("POST", "/logout", body={})
    status(r, 403)
    c.cookies = dict(old)
    status(c.get("/"), 200)
    r = c.post("/logout", {"csrf": csrf})
    redirect_to(r, "/login")
    # The old cookie no longer works, anywhere.
    stale = srv.client()
    stale.cookies = dict(old)
    redirect_to(stale.get("/"), "/login")
    redirect_to(stale.get("/p/" + SLUG), "/login")
    json_error(stale.api("GET", "/api/v1/pages", headers={"X-CSRF-Token": csrf}), 401)
    n = srv.scalar("SELECT count(*) FROM pages")
    r = stale.post("/new", {"csrf": csrf, "kind": "procedure", "title": "Tras salir",
                            "markdown": "x", "publish": "1"})
    status(r, 401, 403, 303)
    check(srv.scalar("SELECT count(*) FROM pages") == n, "a logged-out cookie created a page")
    # Logging in again works.
    c2 = srv.client()
    redirect_to(c2.login(ADMIN, PASSWORD), "/")
    status(c2.get("/p/" + SLUG), 200)
