"""The lifecycle with --public-read, and what the page cache must never
mix up: visitors read the published-changes feed and pages without
tools; nobody anonymous can flag, follow or verify; two people of the
same role reading the same (cached) page each get their own forms.
"""
import re
import xml.etree.ElementTree as ET

from harness import Server
from util import check, json_error, redirect_to, status

S = {}


def make_server():
    return Server(args=["--public-read"])


def setup(srv):
    srv.add_user("eva", "editor", display="Eva Ruiz")
    srv.add_user("sol", "staff", display="Sol Vega")
    srv.add_user("tom", "staff", display="Tomás Gil")


def test_page(srv):
    c = srv.client()
    redirect_to(c.login("eva"), "/")
    S["eva"] = c
    status(c.api("PUT", "/api/v1/pages/caja", {"title": "Cierre de caja", "markdown": "- [ ] Contar\n"}), 201)


def test_visitor_reads_feed_and_page_without_tools(srv):
    anon = srv.client()
    r = status(anon.get("/feed.atom"), 200)
    root = ET.fromstring(r.body)
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in
              root.findall("{http://www.w3.org/2005/Atom}entry")]
    check(any("Cierre de caja" in (t or "") for t in titles), "feed: %r", titles)
    r = status(anon.get("/p/caja"), 200)
    check('id="_tools"' not in r.text and 'name="csrf"' not in r.text.split("</article>")[0],
          "a visitor got per-user tools")
    before = srv.scalar("SELECT count(*) FROM flags")
    json_error(anon.api("POST", "/api/v1/pages/caja/flags", {"reason": "wrong", "comment": "x"}), 401)
    json_error(anon.api("POST", "/api/v1/pages/caja/verify", {}), 401)
    json_error(anon.api("POST", "/api/v1/me/follows", {"slug": "caja"}), 401)
    json_error(anon.api("GET", "/api/v1/me/inbox"), 401)
    status(anon.get("/review"), 303)
    check(srv.scalar("SELECT count(*) FROM flags") == before, "an anonymous flag was stored")
    # Lists are readable.
    status(anon.api("GET", "/api/v1/pages/caja/challenges"), 200)
    status(anon.api("GET", "/api/v1/pages/caja/flags"), 200)


def test_same_role_each_gets_own_forms(srv):
    pages = {}
    for u in ("sol", "tom", "sol"):
        c = S.get(u) or srv.client()
        if u not in S:
            redirect_to(c.login(u), "/")
            S[u] = c
        r = status(c.get("/p/caja"), 200)
        tokens = set(re.findall(r'name="csrf" value="([^"]+)"', r.text))
        check(tokens == {c.csrf}, "%s's page carries someone else's token: %r vs %r", u, tokens, c.csrf)
        pages[u] = r.text
    # The follow state is per person too.
    redirect_to(S["sol"].post("/p/caja/follow", {"action": "follow"}), "/p/caja")
    check("Sigues esta página" in S["sol"].get("/p/caja").text, "sol follows")
    check("Sigues esta página" not in S["tom"].get("/p/caja").text, "tom sees sol's follow state")
