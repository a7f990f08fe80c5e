"""The demo instance (issue 7): `oficio demo` fills a fresh database and
refuses one that has pages; the first-admin setup page's "fill with demo
data" box does the same when the server offers it (make run); a newcomer
then finds every page and report with data in it.
"""
import re
import time

from harness import Server
from util import check, redirect_to, status


def make_server():
    return Server(args=["--offer-demo"])


def test_setup_with_demo(srv):
    deadline = time.time() + 10
    m = None
    while time.time() < deadline and not m:
        m = re.search(r"/setup\?token=([A-Za-z0-9_-]+)", srv.read_log())
        time.sleep(0.1)
    check(m, "no setup link in the log: %s", srv.read_log())
    c = srv.client()
    page = status(c.get("/setup?token=" + m.group(1)), 200).text
    check('name="demo"' in page, "the setup page offers demo data")
    # The first administrator takes a login the demo team also has (its
    # Ana Ruiz is "ana"): the demo still fills the instance, and its Ana
    # becomes ana2.
    r = c.post("/setup", {"token": m.group(1), "username": "ana", "name": "Ana Jefa",
                          "password": "una-clave-larga", "demo": "1"})
    redirect_to(r, "/")
    check(srv.scalar("SELECT count(*) FROM pages") >= 25, "demo pages")
    check(srv.scalar("SELECT count(*) FROM users") == 9, "the admin and the 8 demo people")
    check(srv.query("SELECT role, display_name FROM users WHERE username = 'ana'") ==
          [("admin", "Ana Jefa")], "the admin kept her login")
    check(srv.query("SELECT role, display_name FROM users WHERE username = 'ana2'") ==
          [("staff", "Ana Ruiz")], "the demo's Ana took the next free login")
    srv.jefa = c


def test_demo_cli_refuses_a_database_with_pages(srv):
    r = srv.cli("demo", check=False)
    check(r.returncode != 0 and b"has pages already" in r.stderr, "demo again: %r", r)


def test_every_report_has_data(srv):
    j = srv.jefa
    risk = status(j.api("GET", "/api/v1/reports/risk"), 200).json()
    check(risk["total_pages"] >= 15 and risk["single_person_total"] > 0, "risk: %r", risk["total_pages"])
    check(any(len(p["authors"]) >= 2 for p in risk["pages"]), "some procedures have several authors")
    stale = status(j.api("GET", "/api/v1/reports/stale"), 200).json()
    check(stale["total"] > 0, "stale has rows")
    # Managers reach the reports from the header; staff do not see the link.
    check('<li><a href="/reports">Informes</a></li>' in status(j.get("/"), 200).text,
          "no Informes in a manager's header")
    # Its page says each count as Spanish does: "1 aviso abierto", "2 avisos abiertos".
    page = status(j.get("/reports/stale"), 200).text
    said = re.findall(r'<span class="badge [a-z-]+">(\d+ (?:avisos? abiertos?|desaf\u00edos? sin decidir))<', page)
    want = []
    for p in stale["pages"]:
        for n, one, many in ((p["open_flags"], "aviso abierto", "avisos abiertos"),
                             (p["open_challenges"], "desaf\u00edo sin decidir", "desaf\u00edos sin decidir")):
            if n:
                want.append("%d %s" % (n, one if n == 1 else many))
    check(said == want and want, "stale counts: page %r, API %r", said, want)
    gaps = status(j.api("GET", "/api/v1/reports/gaps"), 200).json()
    check(gaps["searches"] and gaps["lessons_in_review"] and gaps["most_viewed_overdue"], "gaps: %r",
          {k: len(v) for k, v in gaps.items()})
    ch = status(j.api("GET", "/api/v1/reports/challenges"), 200).json()
    check(ch["total"] >= 1, "an open challenge")
    ho = status(j.api("GET", "/api/v1/reports/handover?user=javier"), 200).json()
    check(ho["user"]["departs_on"] and ho["owned"], "a departure with pages: %r", ho["user"])
    paths = status(j.api("GET", "/api/v1/paths"), 200).json()["paths"]
    check(any(p["title"] == "Primera semana en caja" for p in paths), "the path")


def test_new_hire_logs_in_with_demo_password(srv):
    c = srv.client()
    redirect_to(c.login("sofia", "demo1234"), "/")
    me = status(c.get("/me"), 200).text
    check("Primera semana en caja" in me and 'class="progress' in me, "Sofía's path on /me")
    check("Han cambiado desde que las confirmaste" in me, "a pending re-confirmation")
    check('href="/reports"' not in me, "a staff member's header links to the reports")
    # Her inbox is empty, but her reading is not: "nothing pending" would lie.
    check("Nada pendiente" not in me and "Tienes lecturas pendientes" in me,
          "the inbox says nothing is pending above her path: %r",
          re.findall(r'<p class="none">[^<]*', me))
    page = status(c.get("/p/apertura-de-caja"), 200).text
    check('class="d-add"' in page, "the page shows what changed since her confirmation")


def test_new_hire_home_shows_her_path(srv):
    # Sofía lands on the home page: her path, how far she is and the page
    # to read now, the same as /me says; Pedro has no path and sees none.
    c = srv.client()
    redirect_to(c.login("sofia", "demo1234"), "/")
    home = status(c.get("/"), 200).text
    block = re.search(r'<section class="homepath".*?</section>', home, re.S)
    check(block, "no path block on the new hire's home page")
    b = block.group(0)
    pid = srv.scalar("SELECT id FROM paths WHERE title = 'Primera semana en caja'")
    check('<a href="/paths/%d">Primera semana en caja</a>' % pid in b, "the path's link: %s", b)
    check("2 de 6 leídas" in b, "her count: %s", b)
    check('href="/p/apertura-de-caja">Apertura de caja</a>' in b, "the page to read now: %s", b)
    me = status(c.get("/me"), 200).text
    check('Ahora toca: <a href="/p/apertura-de-caja">' in me, "/me names another next page")
    p = srv.client()
    redirect_to(p.login("pedro", "demo1234"), "/")
    check('class="homepath"' not in status(p.get("/"), 200).text, "Pedro has no path but a block")
