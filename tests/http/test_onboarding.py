"""Onboarding paths and read confirmations (issue 7): a new hire assigned a
path goes from 0 to 100 % as she confirms; a significant change makes one
confirmation pending again and shows the diff from the confirmed revision,
a minor change does not; paths given automatically to new users of a role;
bad input stores nothing (unknown page in a path, ack of a revision that
does not exist). Every answer is checked in the database too.
"""
import time
import re

from util import (bare_days, check, day_html, ensure_tidy, form_values, json_error, redirect_to,
                  status, tidy)

S = {}
PAGES = {
    "apertura-de-caja": ("Apertura de caja", "## Pasos\n\n- [ ] Contar el fondo\n- [ ] Encender el datáfono\n"),
    "cierre-de-caja": ("Cierre de caja", "## Pasos\n\n- [ ] Sacar el informe Z\n- [ ] Contar el efectivo\n"),
    "hoja-de-reclamaciones": ("Hoja de reclamaciones", "Dar la hoja **en el momento**.\n"),
}


def setup(srv):
    srv.add_user("mara", "manager", display="Mara Gil")
    srv.add_user("edu", "editor", display="Eduardo")
    srv.add_user("nina", "staff", display="Nina Vidal")
    srv.add_user("rita", "reader", display="Rita")
    srv.add_user("ad", "admin", display="Admin")


def test_login(srv):
    for u in ("mara", "edu", "nina", "rita", "ad"):
        c = srv.client()
        redirect_to(c.login(u), "/")
        S[u] = c


def test_pages(srv):
    for slug, (title, md) in PAGES.items():
        r = S["edu"].api("PUT", "/api/v1/pages/" + slug,
                         {"title": title, "kind": "procedure", "markdown": md, "category": "Caja"})
        status(r, 201)


def paths_count(srv):
    return srv.scalar("SELECT count(*) FROM paths"), srv.scalar("SELECT count(*) FROM path_items")


def test_path_bad_input_stores_nothing(srv):
    m = S["mara"]
    r = m.api("POST", "/api/v1/paths", {"title": "Primera semana",
                                         "items": ["apertura-de-caja", "no-existe-esta-pagina"]})
    j = json_error(r, 400)
    check(j.get("item") == "no-existe-esta-pagina", "the error should name the unknown page: %r", j)
    check(paths_count(srv) == (0, 0), "a bad path stored something: %r", paths_count(srv))
    json_error(m.api("POST", "/api/v1/paths", {"title": "X", "items": ["apertura-de-caja",
                                                                       "apertura-de-caja"]}), 400)
    json_error(m.api("POST", "/api/v1/paths", {"title": "X", "items": [{"page": "apertura-de-caja",
                                                                        "due_days": 0}]}), 400)
    json_error(m.api("POST", "/api/v1/paths", {"title": "X", "items": []}), 400)
    json_error(m.api("POST", "/api/v1/paths", {"title": "", "items": ["apertura-de-caja"]}), 400)
    json_error(m.api("POST", "/api/v1/paths", {"title": "X", "items": ["apertura-de-caja"],
                                               "auto_role": "jefe"}), 400)
    # The HTML form: 400, the form kept as typed, nothing stored.
    m.get("/paths")
    r = m.post("/paths", {"title": "Primera semana", "description": "",
                          "pages": "Apertura de caja\nPágina inventada | 3\n", "auto_role": ""})
    status(r, 400)
    check("Página inventada" in r.text, "the error page should name the unknown page")
    check("Apertura de caja" in r.text, "the form should keep what was typed")
    check(paths_count(srv) == (0, 0), "a bad form stored something: %r", paths_count(srv))
    # Staff may not create paths.
    json_error(S["nina"].api("POST", "/api/v1/paths", {"title": "X", "items": ["apertura-de-caja"]}), 403)


def test_path_create_and_assign(srv):
    m = S["mara"]
    r = status(m.api("POST", "/api/v1/paths", {
        "title": "Primera semana en caja", "description": "Lo imprescindible",
        "items": ["apertura-de-caja", {"page": "cierre-de-caja", "due_days": 2},
                  "Hoja de reclamaciones"]}), 201)
    j = r.json()
    S["path"] = j["id"]
    check([i["slug"] for i in j["items"]] == list(PAGES), "items in order: %r", j["items"])
    check(j["items"][1]["due_days"] == 2, "due days kept: %r", j["items"][1])
    check(srv.query("SELECT pos, due_days FROM path_items WHERE path_id = ? ORDER BY pos", S["path"])
          == [(1, None), (2, 2), (3, None)], "stored items")
    # Unknown user: 400 and nothing assigned.
    json_error(m.api("POST", "/api/v1/paths/%d/assign" % S["path"], {"user": "nadie"}), 400)
    json_error(m.api("POST", "/api/v1/paths/%d/assign" % S["path"], {"users": ["nina", "nadie"]}), 400)
    check(srv.scalar("SELECT count(*) FROM assignments") == 0, "a bad assign stored something")
    r = status(m.api("POST", "/api/v1/paths/%d/assign" % S["path"], {"user": "nina"}), 200)
    check([p["username"] for p in r.json()["people"]] == ["nina"], "people: %r", r.json())
    json_error(m.api("POST", "/api/v1/paths/999/assign", {"user": "nina"}), 404)


def progress(srv, who="nina"):
    r = status(S[who].api("GET", "/api/v1/paths/%d" % S["path"]), 200)
    p = r.json()["progress"]
    return p["done"], p["total"], p["percent"]


def bar_percent(body):
    m = re.search(r'class="progress[^"]*"[^>]*aria-label="(\d+) de (\d+)[^"]*\((\d+) %\)"', body)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def home_path(c):
    """The path block of c's home page: {"path", "read", "next", "more"} (the
    path's link, "N de M leídas", the next page's link, the link to /me),
    or None when the page has none."""
    body = status(c.get("/"), 200).text
    m = re.search(r'<section class="homepath".*?</section>', body, re.S)
    if not m:
        return None
    b = m.group(0)
    path = re.search(r'<h2[^>]*>.*?<a href="(/paths/\d+)">', b, re.S)
    read = re.search(r'(\d+ de \d+ leídas)', b)
    nxt = re.search(r'<p class="next">.*?<a [^>]*href="(/p/[^"]+)"', b, re.S)
    more = re.search(r'<a href="/me">([^<]*)</a>', b)
    return {"path": path and path.group(1), "read": read and read.group(1),
            "next": nxt and nxt.group(1), "more": more and more.group(1)}


def warm_home(c, expect):
    """Ask for the home page a few times (each server thread keeps its own
    cache of the block), checking it is expect every time."""
    for _ in range(4):
        got = home_path(c)
        check(got == expect, "home: %r, expected %r", got, expect)


def test_new_hire_sees_zero(srv):
    check(progress(srv) == (0, 3, 0), "start: %r", progress(srv))
    r = status(S["nina"].get("/me"), 200)
    check("Primera semana en caja" in r.text, "/me should list the path")
    check(bar_percent(r.text) == (0, 3, 0), "/me bar: %r", bar_percent(r.text))
    check('href="/p/apertura-de-caja"' in r.text, "/me should say what to read next")
    r = status(S["nina"].get("/p/apertura-de-caja"), 200)
    check('action="/p/apertura-de-caja/ack"' in r.text, "the page should offer the confirmation")
    check("Leído y entendido" in r.text, "the button says Leído y entendido")
    # Someone without the path, on a page that requires nothing: no box.
    r = status(S["rita"].get("/p/apertura-de-caja"), 200)
    check("/ack" not in r.text, "a reader outside the path sees no confirmation box")


def test_home_shows_the_path(srv):
    # The new hire lands on the home page: her path, 0 of 3 read, and the
    # first page to read, without having to know about /me.
    path = "/paths/%d" % S["path"]
    warm_home(S["nina"], {"path": path, "read": "0 de 3 leídas", "next": "/p/apertura-de-caja",
                          "more": None})
    body = status(S["nina"].get("/"), 200).text
    check("Primera semana en caja" in body, "the path's name on the home page")
    check(bar_percent(body) == (0, 3, 0), "the home page's bar: %r", bar_percent(body))
    en = status(S["nina"].get("/?lang=en"), 200).text
    check("0 of 3 read" in en and "Your path:" in en, "the block in English")
    if ensure_tidy():
        tidy(body)
    # People without a path, whatever their role, see no block.
    for who in ("rita", "mara", "edu"):
        check(home_path(S[who]) is None, "%s has no path but sees a block", who)


def test_progress_to_100(srv):
    n = S["nina"]
    expected = [(1, 3, 33), (2, 3, 67), (3, 3, 100)]
    for i, slug in enumerate(PAGES):
        page = status(n.get("/p/" + slug), 200)
        if i < 2:
            vals = form_values(page.text, "/p/%s/ack" % slug)
            r = n.post("/p/%s/ack" % slug, vals)
            redirect_to(r, "/p/" + slug)
        else:
            r = status(n.api("POST", "/api/v1/pages/%s/ack" % slug, {"rev": 1}), 200)
            check(r.json()["confirmed"] is True, "API ack: %r", r.json())
        check(progress(srv) == expected[i], "after %s: %r", slug, progress(srv))
        if i == 1:
            # Two of three read: 67 % (rounded), in the bar as in the API.
            me = status(n.get("/me"), 200).text
            check(bar_percent(me) == (2, 3, 67), "/me bar at 2 of 3: %r", bar_percent(me))
        # The home page moves on at once (its block is cached until a write).
        if i < 2:
            warm_home(n, {"path": "/paths/%d" % S["path"], "read": "%d de 3 leídas" % (i + 1),
                          "next": "/p/" + list(PAGES)[i + 1], "more": None})
        else:
            warm_home(n, None)
        after = status(n.get("/p/" + slug), 200)
        check("confirmaste la revisión 1" in after.text, "the page should say it was confirmed")
        check('action="/p/%s/ack"' % slug not in after.text, "no button once confirmed")
    r = status(n.get("/me"), 200)
    check(bar_percent(r.text) == (3, 3, 100), "/me bar at the end: %r", bar_percent(r.text))
    check(srv.scalar("SELECT count(*) FROM acks a JOIN users u ON u.id = a.user_id "
                     "WHERE u.username = 'nina'") == 3, "three acks stored")
    r = status(S["mara"].get("/paths/%d" % S["path"]), 200)
    check(bar_percent(r.text) == (3, 3, 100), "the manager sees Nina at 100 %%: %r", bar_percent(r.text))


def test_ack_bad_revision_is_400(srv):
    n = S["nina"]
    before = srv.query("SELECT user_id, page_id, rev, at FROM acks ORDER BY 1, 2")
    for body in ({"rev": 99}, {"rev": 0}, {"rev": "1"}, {}, {"rev": -1}):
        json_error(n.api("POST", "/api/v1/pages/apertura-de-caja/ack", body), 400)
    status(n.post("/p/apertura-de-caja/ack", {"rev": "7"}), 400)
    json_error(n.api("POST", "/api/v1/pages/no-existe/ack", {"rev": 1}), 404)
    check(srv.query("SELECT user_id, page_id, rev, at FROM acks ORDER BY 1, 2") == before,
          "a bad ack changed the acks")
    json_error(srv.client().api("POST", "/api/v1/pages/apertura-de-caja/ack", {"rev": 1}), 401)


def test_significant_change_makes_it_pending_with_diff(srv):
    e = S["edu"]
    md = PAGES["apertura-de-caja"][1] + "- [ ] Comprobar el rollo de papel\n"
    r = status(e.api("PUT", "/api/v1/pages/apertura-de-caja",
                     {"title": "Apertura de caja", "markdown": md, "base_rev": 1,
                      "significant": True, "comment": "Nuevo paso"}), 200)
    check(r.json()["rev"] == 2, "saved as rev 2")
    check(srv.scalar("SELECT ack_rev FROM pages WHERE slug = 'apertura-de-caja'") == 2, "ack_rev")
    check(progress(srv) == (2, 3, 67), "one confirmation pending again: %r", progress(srv))
    page = status(S["nina"].get("/p/apertura-de-caja"), 200).text
    check("ha cambiado de forma importante desde que confirmaste la revisión 1" in page,
          "the page should say it changed since revision 1")
    check('href="/p/apertura-de-caja/diff?from=1&amp;to=2"' in page, "a link to the diff 1 → 2")
    check(re.search(r'<tr class="d-add">.*Comprobar el rollo de papel', page),
          "the diff shows the added line")
    check('action="/p/apertura-de-caja/ack"' in page, "and offers to confirm again")
    me = status(S["nina"].get("/me"), 200).text
    check("Han cambiado desde que las confirmaste" in me, "/me lists the pending re-confirmation")
    # The other two are not touched.
    check(srv.scalar("SELECT count(*) FROM acks a JOIN pages p ON p.id = a.page_id "
                     "WHERE a.rev >= p.ack_rev") == 2, "two still current")


def test_minor_change_keeps_confirmation(srv):
    e = S["edu"]
    md = PAGES["cierre-de-caja"][1] + "\nUna errata corregida.\n"
    status(e.api("PUT", "/api/v1/pages/cierre-de-caja",
                 {"title": "Cierre de caja", "markdown": md, "base_rev": 1}), 200)
    check(srv.scalar("SELECT ack_rev FROM pages WHERE slug = 'cierre-de-caja'") == 1, "ack_rev kept")
    check(progress(srv) == (2, 3, 67), "a minor change pends nothing: %r", progress(srv))
    page = status(S["nina"].get("/p/cierre-de-caja"), 200).text
    check("ha cambiado de forma importante" not in page, "no change notice after a minor edit")
    # The edit form's checkbox does the same as the API's flag.
    form = status(e.get("/p/cierre-de-caja/edit"), 200).text
    check('name="significant"' in form, "the edit form has the significant checkbox")


def test_reconfirm_back_to_100(srv):
    r = status(S["nina"].api("POST", "/api/v1/pages/apertura-de-caja/ack", {"rev": 2}), 200)
    check(r.json() == {"slug": "apertura-de-caja", "rev": 2, "current_rev": 2, "ack_rev": 2,
                       "confirmed": True}, "ack answer: %r", r.json())
    check(progress(srv) == (3, 3, 100), "back to 100 %%: %r", progress(srv))
    # Confirming an older revision does not move a confirmation back.
    status(S["nina"].api("POST", "/api/v1/pages/apertura-de-caja/ack", {"rev": 1}), 200)
    check(progress(srv) == (3, 3, 100), "still 100 %%: %r", progress(srv))


def test_requires_ack_and_readers(srv):
    m = S["mara"]
    page = status(m.get("/p/hoja-de-reclamaciones"), 200).text
    vals = form_values(page, "/p/hoja-de-reclamaciones/requires-ack")
    check(vals.get("requires_ack") == "1", "the manager is offered to require confirmation")
    redirect_to(m.post("/p/hoja-de-reclamaciones/requires-ack", vals), "/p/hoja-de-reclamaciones")
    check(srv.scalar("SELECT requires_ack FROM pages WHERE slug = 'hoja-de-reclamaciones'") == 1,
          "requires_ack stored")
    r = status(S["rita"].get("/p/hoja-de-reclamaciones"), 200).text
    check('action="/p/hoja-de-reclamaciones/ack"' in r, "any reader is asked to confirm now")
    check("Hoja de reclamaciones" in status(S["rita"].get("/me"), 200).text, "and /me lists it")
    status(S["nina"].post("/p/hoja-de-reclamaciones/requires-ack", {"requires_ack": "0"}), 403)
    r = status(m.get("/p/hoja-de-reclamaciones/readers"), 200).text
    check("Nina Vidal" in r, "the readers page lists Nina")
    status(S["nina"].get("/p/hoja-de-reclamaciones/readers"), 403)
    j = status(m.api("GET", "/api/v1/pages/hoja-de-reclamaciones/readers"), 200).json()
    check([p["username"] for p in j["current"]] == ["nina"], "readers API: %r", j)


def test_auto_assign_new_users(srv):
    m = S["mara"]
    r = status(m.api("POST", "/api/v1/paths", {"title": "Bienvenida", "items": ["apertura-de-caja"],
                                               "auto_role": "staff"}), 201)
    pid = r.json()["id"]
    # A user made by an admin on /admin/users ...
    a = S["ad"]
    a.get("/admin/users")
    r = a.post("/admin/users", {"username": "nuevo", "name": "Nuevo", "password": "una-clave-larga",
                                "role": "staff"})
    check(r.status in (200, 303), "admin add user: %r", r)
    # ... and one made by the CLI.
    srv.add_user("otro", "staff")
    srv.add_user("lector", "reader")
    got = [u for (u,) in srv.query("SELECT u.username FROM assignments s JOIN users u "
                                   "ON u.id = s.user_id WHERE s.path_id = ? ORDER BY 1", pid)]
    check(got == ["nuevo", "otro"], "auto-assigned to the new staff only: %r", got)


def test_paths_list_and_html_form(srv):
    m = S["mara"]
    r = status(m.get("/paths"), 200).text
    check("Primera semana en caja" in r and "Bienvenida" in r, "paths listed")
    r = m.post("/paths", {"title": "Garantías", "description": "Para el mostrador",
                          "pages": "cierre-de-caja | 3\nHoja de reclamaciones\n", "auto_role": ""})
    loc = redirect_to(r, "/paths/")
    pid = int(loc.rsplit("/", 1)[1])
    check(srv.query("SELECT p.slug, i.due_days FROM path_items i JOIN pages p ON p.id = i.page_id "
                    "WHERE i.path_id = ? ORDER BY i.pos", pid)
          == [("cierre-de-caja", 3), ("hoja-de-reclamaciones", None)], "form items stored")
    # Assign through the form, then remove.
    page = status(m.get("/paths/%d" % pid), 200).text
    redirect_to(m.post("/paths/%d/assign" % pid, {"user": "nina"}), "/paths/%d" % pid)
    check(srv.scalar("SELECT count(*) FROM assignments WHERE path_id = ?", pid) == 1, "assigned")
    redirect_to(m.post("/paths/%d/unassign" % pid, {"user": "nina"}), "/paths/%d" % pid)
    check(srv.scalar("SELECT count(*) FROM assignments WHERE path_id = ?", pid) == 0, "removed")
    # Edit: an unknown page keeps the old items.
    r = m.post("/paths/%d" % pid, {"title": "Garantías", "pages": "inventada\n", "auto_role": ""})
    status(r, 400)
    check(srv.scalar("SELECT count(*) FROM path_items WHERE path_id = ?", pid) == 2, "items kept")
    check("Primera semana en caja" in status(S["nina"].get("/paths"), 200).text, "staff see paths")
    status(S["nina"].get("/paths/%d" % pid), 200)
    status(S["nina"].get("/paths/999"), 404)
    status(S["nina"].get("/paths/abc"), 404)


def ack_current(c, slug):
    rev = status(c.api("GET", "/api/v1/pages/" + slug), 200).json()["rev"]
    status(c.api("POST", "/api/v1/pages/%s/ack" % slug, {"rev": rev}), 200)


def test_home_with_several_paths(srv):
    # Olga, new staff, gets "Bienvenida" (no due dates) by her role, and a
    # manager gives her "Garantías y cierre" with a page due in 2 days.
    srv.add_user("olga", "staff", display="Olga")
    o = srv.client()
    redirect_to(o.login("olga"), "/")
    bienvenida = srv.scalar("SELECT id FROM paths WHERE title = 'Bienvenida'")
    g = status(S["mara"].api("POST", "/api/v1/paths", {
        "title": "Garantías y cierre",
        "items": [{"page": "cierre-de-caja", "due_days": 2}, "hoja-de-reclamaciones"]}), 201).json()["id"]
    status(S["mara"].api("POST", "/api/v1/paths/%d/assign" % g, {"user": "olga"}), 200)
    # The one with a date comes first; the other is on /me.
    warm_home(o, {"path": "/paths/%d" % g, "read": "0 de 2 leídas", "next": "/p/cierre-de-caja",
                  "more": "Tienes 1 itinerario más sin terminar: está en tu página."})
    body = status(o.get("/"), 200).text
    check("plazo:" in body, "the next page's due date on the home page")
    if ensure_tidy():
        tidy(body)
    # Its dated page read, neither has a date left: the least done comes first.
    ack_current(o, "cierre-de-caja")
    warm_home(o, {"path": "/paths/%d" % bienvenida, "read": "0 de 1 leídas",
                  "next": "/p/apertura-de-caja",
                  "more": "Tienes 1 itinerario más sin terminar: está en tu página."})
    ack_current(o, "apertura-de-caja")
    warm_home(o, {"path": "/paths/%d" % g, "read": "1 de 2 leídas",
                  "next": "/p/hoja-de-reclamaciones", "more": None})
    ack_current(o, "hoja-de-reclamaciones")
    warm_home(o, None)
    # A significant change makes a read page pending again: the block is back.
    md = PAGES["hoja-de-reclamaciones"][1] + "Y anotarlo en el registro.\n"
    rev = status(S["edu"].api("GET", "/api/v1/pages/hoja-de-reclamaciones"), 200).json()["rev"]
    status(S["edu"].api("PUT", "/api/v1/pages/hoja-de-reclamaciones",
                        {"title": "Hoja de reclamaciones", "markdown": md, "base_rev": rev,
                         "significant": True}), 200)
    warm_home(o, {"path": "/paths/%d" % g, "read": "1 de 2 leídas",
                  "next": "/p/hoja-de-reclamaciones", "more": None})


def test_due_dates_read_as_people_write_them(srv):
    """A new hire on her phone read "plazo: 2026-11-25": her due dates
    read "25 nov 2026" (en: "Nov 25, 2026") in <time datetime>, on the
    home page, /me and the path's page; the API keeps the ISO day."""
    srv.add_user("paula", "staff", display="Paula")
    p = srv.client()
    redirect_to(p.login("paula"), "/")
    pid = status(S["mara"].api("POST", "/api/v1/paths", {
        "title": "Plazos de la primera semana",
        "items": [{"page": "apertura-de-caja", "due_days": 3},
                  {"page": "cierre-de-caja", "due_days": 10}]}), 201).json()["id"]
    status(S["mara"].api("POST", "/api/v1/paths/%d/assign" % pid, {"user": "paula"}), 200)
    at = srv.scalar("SELECT s.assigned_at FROM assignments s JOIN users u ON u.id = s.user_id "
                    "WHERE u.username = 'paula' AND s.path_id = ?", pid)
    due = [time.strftime("%Y-%m-%d", time.gmtime(at + d * 86400)) for d in (3, 10)]
    # The API: the ISO days, and nothing the pages add.
    items = status(p.api("GET", "/api/v1/paths/%d" % pid), 200).json()["items"]
    check([i["due_on"] for i in items] == due, "API due days: %r, expected %r", items, due)
    check(all(set(i) & {"due_on_text", "kind_label"} == set() for i in items),
          "the API's items carry the page's words: %r", items)
    # The home page: the next page and its day, as words.
    warm_home(p, {"path": "/paths/%d" % pid, "read": "0 de 2 leídas",
                  "next": "/p/apertura-de-caja",
                  "more": "Tienes 1 itinerario más sin terminar: está en tu página."})
    pages = {"/": status(p.get("/"), 200).text, "/me": status(p.get("/me"), 200).text,
             "/paths/%d" % pid: status(p.get("/paths/%d" % pid), 200).text}
    for path, body in pages.items():
        check("plazo: " + day_html(due[0]) in body, "%s: no %r in %s", path,
              "plazo: " + day_html(due[0]), re.findall(r"plazo:[^\n]{0,80}", body))
        check(bare_days(body) == [], "%s shows ISO days: %r", path, bare_days(body))
    check(day_html(due[1]) in pages["/paths/%d" % pid], "the path's page: both days")
    en = status(p.get("/?lang=en"), 200).text
    check("due: " + day_html(due[0], "en") in en, "in English: %r",
          re.findall(r"due:[^\n]{0,80}", en))
    en = status(p.get("/paths/%d?lang=en" % pid), 200).text
    check(day_html(due[0], "en") in en and day_html(due[1], "en") in en, "the path in English")
    if ensure_tidy():
        for body in pages.values():
            tidy(body)


def test_pages_are_valid_html(srv):
    if not ensure_tidy():
        return
    for who, path in (("nina", "/me"), ("nina", "/paths"), ("nina", "/paths/%d" % S["path"]),
                      ("mara", "/paths/%d" % S["path"]), ("mara", "/paths"),
                      ("nina", "/p/apertura-de-caja"), ("rita", "/p/hoja-de-reclamaciones"),
                      ("mara", "/p/hoja-de-reclamaciones"),
                      ("mara", "/p/hoja-de-reclamaciones/readers")):
        r = status(S[who].get(path), 200)
        tidy(r.text)


def test_a_changed_page_is_due_after_the_change(srv):
    """A page read long ago and changed since is due its days after the
    change, not after the assignment: a veteran's re-read was late the
    day it appeared ("fuera de plazo" on /me and the home page)."""
    o = srv.client()
    redirect_to(o.login("olga"), "/")
    g = srv.scalar("SELECT id FROM paths WHERE title = 'Garantías y cierre'")

    def item():
        j = status(o.api("GET", "/api/v1/paths/%d" % g), 200).json()
        return [i for i in j["items"] if i["slug"] == "cierre-de-caja"][0]

    ack_current(o, "cierre-de-caja")
    check(item()["state"] == "done", "read: %r", item())
    srv.advance_days(30)  # last in this module: every session has expired since
    redirect_to(o.login("olga"), "/")
    e = srv.client()
    redirect_to(e.login("edu"), "/")
    md = PAGES["cierre-de-caja"][1] + "Y firmar el parte.\n"
    rev = status(e.api("GET", "/api/v1/pages/cierre-de-caja"), 200).json()["rev"]
    status(e.api("PUT", "/api/v1/pages/cierre-de-caja",
                        {"title": "Cierre de caja", "markdown": md, "base_rev": rev,
                         "significant": True}), 200)
    changed_at = srv.scalar("SELECT max(v.created_at) FROM revisions v JOIN pages p "
                            "ON p.id = v.page_id WHERE p.slug = 'cierre-de-caja'")
    due = time.strftime("%Y-%m-%d", time.gmtime(changed_at + 2 * 86400))
    it = item()
    check(it["state"] == "changed" and it["overdue"] is False and it["due_on"] == due,
          "changed 30 days after the assignment: %r (due %s)", it, due)
    check("fuera de plazo" not in status(o.get("/me"), 200).text, "/me says it is late")
    srv.advance_days(3)
    redirect_to(o.login("olga"), "/")
    it = item()
    check(it["overdue"] is True and it["due_on"] == due, "3 days after the change: %r", it)
    ack_current(o, "cierre-de-caja")
