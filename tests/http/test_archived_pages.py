"""Following a link to a page that is not there for you: an archived page
(410, its title, when it was archived, a search for the title and the
home page; no create button, nothing of its text) for staff, readers and
--public-read visitors, while editors read it as before; a draft of
someone else stays a 404 that offers nothing it cannot do; and search
results say which pages are not published ("Borrador", "En revisión",
"Archivada"), in the page and in the API's "status".
"""
import datetime
import re
import urllib.parse

from harness import Server
from util import check, has_link, json_error, offers_create, parse, redirect_to, status

S = {}

OLD = "cierre-de-caja-2019"
OLD_TITLE = "Cierre de caja 2019"
OLD_MD = "Contar los billetes en la trastienda con la puerta cerrada.\n"
REASON = "Sustituido por el cierre con arqueo ciego"
MONTHS_ES = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]


def make_server():
    return Server(args=["--public-read"])


def setup(srv):
    srv.add_user("ana", "manager", display="Ana Martín")
    srv.add_user("eva", "editor", display="Eva Ruiz")
    srv.add_user("sol", "staff", display="Sol Vega")
    srv.add_user("tom", "staff", display="Tomás Gil")
    srv.add_user("rita", "reader", display="Rita Sanz")


def text_of(body):
    t = re.sub(r"<[^>]+>", " ", body)
    import html
    return re.sub(r"\s+", " ", html.unescape(t))


def offers_to_create(body):
    """A form or link that would create a page with a title filled in (the
    bar's plain "Nueva página" link does not count)."""
    return offers_create(body.replace('<a href="/new">', '<a href="">'))


def snapshot(srv):
    """Everything a visit could have written."""
    return {t: srv.query("SELECT * FROM " + t) for t in
            ("pages", "revisions", "page_events", "audit", "acks", "follows", "flags")}


def test_login_and_pages(srv):
    for u in ("ana", "eva", "sol", "tom", "rita"):
        c = srv.client()
        redirect_to(c.login(u), "/")
        S[u] = c
    e = S["eva"]
    status(e.api("PUT", "/api/v1/pages/" + OLD, {"title": OLD_TITLE, "markdown": OLD_MD}), 201)
    status(e.api("PUT", "/api/v1/pages/cierre-de-caja", {
        "title": "Cierre de caja", "markdown": "Arqueo ciego al cerrar la caja.\n"}), 201)
    redirect_to(e.post("/p/%s/archive" % OLD, {"comment": REASON}), "/p/" + OLD)
    check(srv.scalar("SELECT status FROM pages WHERE slug = ?", OLD) == "archived", "not archived")
    # A draft archived before anyone published it: its title never was public.
    status(e.api("PUT", "/api/v1/pages/tarifa-secreta", {
        "title": "Tarifa secreta de empleados", "markdown": "Borrador.\n", "status": "draft"}), 201)
    redirect_to(e.post("/p/tarifa-secreta/archive", {"comment": "No sale"}), "/p/tarifa-secreta")
    # Sol's draft lesson, which Tom may not see.
    r = S["sol"].api("PUT", "/api/v1/pages/cliente-sin-ticket", {
        "title": "Cliente sin ticket en caja", "kind": "lesson", "markdown": "Borrador de caja.\n"})
    status(r, 201)
    check(r.json()["status"] == "draft", "staff's page is %r", r.json()["status"])


def archived_day(srv):
    at = srv.scalar("SELECT e.at FROM page_events e JOIN pages p ON p.id = e.page_id "
                    "WHERE p.slug = ? AND e.action = 'archive'", OLD)
    d = datetime.datetime.fromtimestamp(at, datetime.timezone.utc)
    return "%d %s %d" % (d.day, MONTHS_ES[d.month - 1], d.year)


def check_archived_page(r, who, srv):
    status(r, 410)
    d = parse(r.text)
    t = text_of(r.text)
    check(d.h1 == [OLD_TITLE], "%s: h1 %r", who, d.h1)
    check(OLD_TITLE in d.title, "%s: <title> %r", who, d.title)
    check("Esta página está archivada" in t and "ya no está en vigor" in t,
          "%s is not told the page was archived: %s", who, t[-800:])
    check("Se archivó el " + archived_day(srv) in t, "%s: no archive date in %s", who, t[-800:])
    check("todavía no existe" not in t, "%s is told the page does not exist", who)
    check(not offers_to_create(r.text), "%s is offered to create an archived page", who)
    # The way on: a search for its title, and the home page.
    form = re.search(r'<form method="get" action="/search">\s*<input type="hidden" name="q" '
                     r'value="([^"]*)">', r.text)
    check(form and form.group(1) == OLD_TITLE, "%s: no search for the title", who)
    check(has_link(r.text, "/"), "%s: no link to the home page", who)
    # Nothing that was not public: not the text, not the reason, not who.
    check("trastienda" not in t and REASON not in t and "Eva Ruiz" not in t,
          "%s sees more than the title of an archived page: %s", who, t[-800:])


def test_staff_reader_and_visitor_get_the_archived_page(srv):
    before = snapshot(srv)
    anon = srv.client()
    for who, c in (("sol", S["sol"]), ("rita", S["rita"]), ("a visitor", anon)):
        check_archived_page(c.get("/p/" + OLD), who, srv)
        # Old links to its history or a revision say the same.
        check_archived_page(c.get("/p/%s/history" % OLD), who + " (history)", srv)
        check_archived_page(c.get("/p/%s/r/1" % OLD), who + " (revision)", srv)
    # The API answers as before.
    json_error(S["sol"].api("GET", "/api/v1/pages/" + OLD), 404)
    check(snapshot(srv) == before, "reading an archived page's notice changed the database")


def test_archived_page_in_english(srv):
    r = status(S["sol"].get("/p/%s?lang=en" % OLD), 410)
    t = text_of(r.text)
    check("This page is archived" in t and "no longer in force" in t and "Archived on" in t,
          "English: %s", t[-600:])


def test_editors_still_read_archived_pages(srv):
    for who in ("eva", "ana"):
        r = status(S[who].get("/p/" + OLD), 200)
        t = text_of(r.text)
        check("trastienda" in t and REASON in t, "%s does not read the archived page", who)
        check('action="/p/%s/unarchive"' % OLD in r.text, "%s is not offered to restore it", who)


def test_page_archived_as_a_draft_stays_missing(srv):
    for who in ("sol", "rita"):
        r = status(S[who].get("/p/tarifa-secreta"), 404)
        t = text_of(r.text)
        check("Tarifa secreta de empleados" not in t and "archivada" not in t.lower(),
              "%s learns of a draft that was archived: %s", who, t[-600:])
        check(not offers_to_create(r.text), "%s is offered to create a page whose slug is taken", who)
    status(srv.client().get("/p/tarifa-secreta"), 404)


def test_someone_elses_draft_offers_no_create(srv):
    before = snapshot(srv)
    r = status(S["tom"].get("/p/cliente-sin-ticket"), 404)
    check("Cliente sin ticket en caja" not in r.text, "Tom sees Sol's title")
    check(not offers_to_create(r.text), "Tom is offered to create a page whose slug is taken")
    # /new would have saved it under another slug, leaving the link broken.
    status(S["sol"].get("/p/cliente-sin-ticket"), 200)
    # A revision past the last of a page that exists: nothing to create either.
    r = status(S["tom"].get("/p/cierre-de-caja/r/7"), 404)
    check(not offers_to_create(r.text), "a missing revision offers to create its page")
    # A page nobody wrote is still offered, under the title of the link.
    r = status(S["tom"].get("/p/arqueo-de-fin-de-mes"), 404)
    check(offers_create(r.text, "Arqueo de fin de mes"), "a missing page is not offered")
    # ... unless the title would not give the link's slug back (cut short).
    long_slug = "-".join(["palabra"] * 10)[:79].rstrip("-")
    check(len(long_slug) > 76, "slug %r", long_slug)
    r = status(S["tom"].get("/p/" + long_slug), 404)
    check(not offers_to_create(r.text), "a slug /new would cut short is offered")
    check(snapshot(srv) == before, "a 404 changed the database")


def search(c, q, **params):
    params["q"] = q
    return status(c.get("/search?" + urllib.parse.urlencode(params)), 200)


def api(c, q, **params):
    params["q"] = q
    return status(c.get("/api/v1/search?" + urllib.parse.urlencode(params)), 200).json()


def badges(body):
    """slug -> the status badge of its result ("" when none)."""
    out = {}
    for m in re.finditer(r'<li>\s*<h2><a href="/p/([^"]+)">.*?<p class="meta">(.*?)</p>',
                         body, re.S):
        b = re.search(r'<span class="badge st-[a-z_]+">([^<]*)</span>', m.group(2))
        out[m.group(1)] = b.group(1) if b else ""
    return out


def test_search_results_carry_the_status(srv):
    # Sol sees her draft beside the published page: the draft says so.
    j = api(S["sol"], "caja")
    st = {x["slug"]: x["status"] for x in j["results"]}
    check(st.get("cliente-sin-ticket") == "draft" and st.get("cierre-de-caja") == "published",
          "API statuses: %r", st)
    b = badges(search(S["sol"], "caja").text)
    check(b.get("cliente-sin-ticket") == "Borrador" and b.get("cierre-de-caja") == "",
          "badges: %r", b)
    # Submitted: the same search again (cached until a write) says so.
    redirect_to(S["sol"].post("/p/cliente-sin-ticket/submit"), "/p/cliente-sin-ticket")
    j = api(S["sol"], "caja")
    st = {x["slug"]: x["status"] for x in j["results"]}
    check(st.get("cliente-sin-ticket") == "in_review", "after submit: %r", st)
    b = badges(search(S["sol"], "caja").text)
    check(b.get("cliente-sin-ticket") == "En revisión", "badges after submit: %r", b)
    # Editors see it too, and another staff member does not.
    check(badges(search(S["eva"], "caja").text).get("cliente-sin-ticket") == "En revisión",
          "the editor's badge")
    check("cliente-sin-ticket" not in badges(search(S["tom"], "caja").text), "Tom finds Sol's draft")
    # Managers find archived pages when they ask for them.
    j = api(S["ana"], "caja", status="archived")
    check([(x["slug"], x["status"]) for x in j["results"]] == [(OLD, "archived")],
          "archived search: %r", j["results"])
    b = badges(search(S["ana"], "caja", status="archived").text)
    check(b == {OLD: "Archivada"}, "archived badges: %r", b)
    b = badges(search(S["ana"], "caja", status="archived", lang="en").text)
    check(b == {OLD: "Archived"}, "archived badges in English: %r", b)
    # Readers and visitors find published pages only, with no badge.
    for c in (S["rita"], srv.client()):
        j = api(c, "caja")
        check({x["status"] for x in j["results"]} == {"published"}, "statuses: %r", j["results"])
        check(set(badges(search(c, "caja").text).values()) == {""}, "a published page has a badge")
