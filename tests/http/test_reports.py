"""The managers' reports (issue 7): knowledge risk ranks a single-author
procedure above a five-author one and names categories with bus factor 1;
authorship survives a revert; a departure lists exactly what the person
owns, backs up or alone wrote, and reassigning moves it all in one
transaction; deactivation ends sessions at once; the gaps report counts a
search with no result; stale procedures; page views counted in memory
and flushed; CSV answers (RFC 4180, formula cells neutralised).
"""
import csv
import io
import re
import time

from util import bare_days, check, day_html, ensure_tidy, json_error, redirect_to, status, tidy

S = {}
FIVE = ["ed1", "ed2", "ed3", "ed4", "ed5"]
EVIL = '=HYPERLINK("http://ejemplo.invalid/x","pulsa")'


def setup(srv):
    srv.add_user("boss", "manager", display="Jefa")
    for u in FIVE:
        srv.add_user(u, "editor", display="Editor " + u[-1])
    srv.add_user("solo", "editor", display="Sola Pérez")
    srv.add_user("succ", "editor", display="Sucesora")
    srv.add_user("stf", "staff", display="Staff")
    srv.add_user("ad", "admin", display="Admin")


def test_login(srv):
    for u in ["boss", "solo", "succ", "stf", "ad"] + FIVE:
        c = srv.client()
        redirect_to(c.login(u), "/")
        S[u] = c


def put(who, slug, title, md, base=0, **kw):
    body = {"title": title, "markdown": md, "base_rev": base, "kind": kw.pop("kind", "procedure")}
    body.update(kw)
    return S[who].api("PUT", "/api/v1/pages/" + slug, body)


def test_single_author_ranks_above_five_authors(srv):
    status(put("solo", "cuadre-de-vales", "Cuadre de vales",
               "".join("- [ ] Paso %d del cuadre\n" % i for i in range(10)), category="Uno"), 201)
    md = ""
    for k, u in enumerate(FIVE):
        md += "".join("- Línea %d de %s\n" % (i, u) for i in range(2))
        status(put(u, "cambio-de-turno", "Cambio de turno", md, base=k, category="Cinco"),
               201 if k == 0 else 200)
    check(srv.query("SELECT u.username, a.lines FROM page_authors a JOIN users u ON u.id = a.user_id "
                    "JOIN pages p ON p.id = a.page_id WHERE p.slug = 'cambio-de-turno' ORDER BY 1")
          == [(u, 2) for u in FIVE], "page_authors of the five-author page")
    j = status(S["boss"].api("GET", "/api/v1/reports/risk"), 200).json()
    order = [p["slug"] for p in j["pages"]]
    check(order.index("cuadre-de-vales") < order.index("cambio-de-turno"),
          "single-author page should rank first: %r", order)
    one = next(p for p in j["pages"] if p["slug"] == "cuadre-de-vales")
    five = next(p for p in j["pages"] if p["slug"] == "cambio-de-turno")
    check(one["single_person"] and one["bus_factor"] == 1 and one["main_share"] == 100,
          "single-author page: %r", one)
    check(not five["single_person"] and five["bus_factor"] == 3 and five["people"] == 5,
          "five-author page: %r", five)
    check([a["name"] for a in one["authors"]] == ["Sola Pérez"], "authors: %r", one["authors"])
    cats = {c["category"]: c for c in j["categories"]}
    check(cats["Uno"]["bus_factor"] == 1 and cats["Cinco"]["bus_factor"] == 3, "categories: %r", cats)
    check("Uno" in j["bus_factor_one"] and "Cinco" not in j["bus_factor_one"], "bus factor 1: %r",
          j["bus_factor_one"])
    # Filter by category.
    j = status(S["boss"].api("GET", "/api/v1/reports/risk?category=Cinco"), 200).json()
    check([p["slug"] for p in j["pages"]] == ["cambio-de-turno"], "filtered: %r", j["pages"])
    r = status(S["boss"].get("/reports/risk"), 200)
    check(r.text.index("Cuadre de vales") < r.text.index("Cambio de turno"), "HTML order")
    check('role="img"' in r.text and "<svg" in r.text, "the chart is inline SVG")


def test_authorship_after_revert(srv):
    a = "".join("Línea original %d\n" % i for i in range(4))
    b = "".join("Texto reescrito %d\n" % i for i in range(4))
    status(put("ed1", "arqueo-semanal", "Arqueo semanal", a, category="Caja"), 201)
    status(put("ed2", "arqueo-semanal", "Arqueo semanal", b, base=1), 200)
    who = lambda: srv.query("SELECT u.username, a.lines FROM page_authors a JOIN users u "
                            "ON u.id = a.user_id JOIN pages p ON p.id = a.page_id "
                            "WHERE p.slug = 'arqueo-semanal' ORDER BY 1")
    check(who() == [("ed2", 4)], "after the rewrite: %r", who())
    S["ed3"].get("/p/arqueo-semanal/history")
    r = S["ed3"].post("/p/arqueo-semanal/restore", {"rev": "1", "base_rev": "2"})
    redirect_to(r, "/p/arqueo-semanal")
    check(who() == [("ed1", 4)], "restoring gives the lines back to their author: %r", who())
    revs = srv.query("SELECT r.n, r.authors FROM revisions r JOIN pages p ON p.id = r.page_id "
                     "WHERE p.slug = 'arqueo-semanal' ORDER BY r.n")
    check(revs[2][1] == revs[0][1], "rev 3 authors equal rev 1's: %r", revs)


def test_shares_round_to_nearest(srv):
    # Two lines of three are 67 %, not 66 % (the shares were floored).
    status(put("ed4", "recuento-de-monedas", "Recuento de monedas",
               "- Contar las de 2 €\n- Contar las de 1 €\n", category="Tres"), 201)
    status(put("ed5", "recuento-de-monedas", "Recuento de monedas",
               "- Contar las de 2 €\n- Contar las de 1 €\n- Anotar el total\n", base=1), 200)
    j = status(S["boss"].api("GET", "/api/v1/reports/risk?category=Tres"), 200).json()
    page = j["pages"][0]
    check(page["main_share"] == 67, "main share: %r", page)
    check([a["share"] for a in page["authors"]] == [67, 33], "page shares: %r", page["authors"])
    cat = next(c for c in j["categories"] if c["category"] == "Tres")
    check([a["share"] for a in cat["top_authors"]] == [67, 33], "category shares: %r", cat)
    r = status(S["boss"].get("/reports/risk?category=Tres"), 200)
    check("Editor 4 67 %" in r.text and "Editor 5 33 %" in r.text, "shares in the report's table")


def db_exec(srv, sql, *args):
    c = srv.db()
    c.execute(sql, args)
    c.commit()
    c.close()


def test_departure_lists_owned_backup_and_sole(srv):
    # solo: owns cuadre-de-vales (and wrote it alone), wrote a reference
    # alone, backs up cambio-de-turno, and co-wrote a page (not listed).
    status(put("solo", "glosario", "Glosario", "- **Arqueo**: contar\n", kind="reference"), 201)
    status(put("ed1", "turno-de-noche", "Turno de noche", "- Primera línea\n", category="Dos"), 201)
    status(put("solo", "turno-de-noche", "Turno de noche", "- Primera línea\n- Segunda\n", base=1), 200)
    db_exec(srv, "UPDATE pages SET backup_owner_id = (SELECT id FROM users WHERE username = 'solo') "
                 "WHERE slug = 'cambio-de-turno'")
    b = S["boss"]
    page = status(b.get("/reports/handover?user=solo"), 200).text
    check("Sola Pérez" in page, "the handover page names the person")
    r = b.post("/reports/handover/departure", {"user": "solo", "departs_on": "2030-01-31",
                                                "successor": "succ"})
    redirect_to(r, "/reports/handover?user=")
    check(srv.query("SELECT u.departs_on, s.username FROM users u JOIN users s ON s.id = u.successor_id "
                    "WHERE u.username = 'solo'") == [("2030-01-31", "succ")], "departure stored")
    j = status(b.api("GET", "/api/v1/reports/handover?user=solo"), 200).json()
    check([p["slug"] for p in j["owned"]] == ["cuadre-de-vales"], "owned: %r", j["owned"])
    check([p["slug"] for p in j["backup"]] == ["cambio-de-turno"], "backup: %r", j["backup"])
    check(sorted(p["slug"] for p in j["sole_author"]) == ["cuadre-de-vales", "glosario"],
          "sole author: %r", j["sole_author"])
    check(j["user"]["departs_on"] == "2030-01-31" and j["user"]["successor"]["name"] == "Sucesora",
          "user: %r", j["user"])
    # Bad input: a date that is not one, a successor who is the person.
    status(b.post("/reports/handover/departure", {"user": "solo", "departs_on": "31/01/2030"}), 400)
    for day in ("2030-02-31", "2030-06-31", "2031-02-29", "2030-+1-31"):
        status(b.post("/reports/handover/departure", {"user": "solo", "departs_on": day}), 400)
    check(srv.query("SELECT departs_on FROM users WHERE username = 'solo'") == [("2030-01-31",)],
          "a day that does not exist changed the departure")
    status(b.post("/reports/handover/departure", {"user": "solo", "successor": "solo"}), 400)
    json_error(b.api("GET", "/api/v1/reports/handover?user=nadie"), 404)
    json_error(b.api("GET", "/api/v1/reports/handover"), 400)
    # CSV of the same.
    r = status(b.get("/api/v1/reports/handover?user=solo&format=csv"), 200)
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    check(rows[0][0] == "relation" and sorted((x[0], x[1]) for x in rows[1:]) ==
          [("backup_owner", "cambio-de-turno"), ("owner", "cuadre-de-vales"),
           ("sole_author", "cuadre-de-vales"), ("sole_author", "glosario")], "CSV rows: %r", rows)


def test_reassign_moves_everything_at_once(srv):
    b = S["boss"]
    # Refused: nothing moves.
    status(b.post("/reports/handover/reassign", {"user": "solo", "to": "solo"}), 400)
    status(b.post("/reports/handover/reassign", {"user": "solo", "to": "nadie"}), 400)
    check(srv.scalar("SELECT count(*) FROM pages p JOIN users u ON u.id = p.owner_id "
                     "WHERE u.username = 'solo'") == 1, "a refused reassign moved something")
    r = b.post("/reports/handover/reassign", {"user": "solo", "to": "succ"})
    redirect_to(r, "/reports/handover?user=")
    check(srv.query("SELECT slug FROM pages p JOIN users u ON u.id IN (p.owner_id, p.backup_owner_id) "
                    "WHERE u.username = 'solo'") == [], "solo still holds pages")
    check(srv.query("SELECT p.slug FROM pages p JOIN users u ON u.id = p.owner_id "
                    "WHERE u.username = 'succ' ORDER BY 1") == [("cuadre-de-vales",)], "owner moved")
    check(srv.query("SELECT p.slug FROM pages p JOIN users u ON u.id = p.backup_owner_id "
                    "WHERE u.username = 'succ'") == [("cambio-de-turno",)], "backup moved")
    check(srv.scalar("SELECT count(*) FROM audit WHERE action = 'handover.reassign'") == 1, "audited")
    j = status(b.api("GET", "/api/v1/reports/handover?user=solo"), 200).json()
    check(j["owned"] == [] and j["backup"] == [], "nothing left: %r", j)


def test_handover_checklist_page(srv):
    b = S["boss"]
    r = b.post("/reports/handover/checklist", {"user": "solo"})
    loc = redirect_to(r, "/p/")
    slug = loc[3:]
    md = srv.scalar("SELECT r.markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                    "WHERE p.slug = ?", slug)
    check("- [ ] [[glosario|Glosario]]" in md and "[[cuadre-de-vales|Cuadre de vales]]" in md,
          "task list with wiki links: %r", md)
    check("Sucesora" in md, "the successor is named: %r", md)
    page = status(b.get(loc), 200).text
    check('class="wikilink" href="/p/glosario"' in page, "the links resolve")


def test_deactivation_ends_sessions_at_once(srv):
    solo = S["solo"]
    status(solo.get("/me"), 200)
    token = srv.token("solo")
    tc = srv.client(token=token)
    status(tc.api("GET", "/api/v1/pages"), 200)
    a = S["ad"]
    a.get("/admin/users")
    uid = srv.scalar("SELECT id FROM users WHERE username = 'solo'")
    r = a.post("/admin/users/%d" % uid, {"action": "deactivate"})
    check(r.status in (200, 303), "deactivate: %r", r)
    redirect_to(solo.get("/me"), "/login")
    json_error(tc.api("GET", "/api/v1/pages"), 401)
    check(srv.scalar("SELECT count(*) FROM sessions WHERE user_id = ?", uid) == 0, "sessions ended")
    check(srv.scalar("SELECT count(*) FROM pages p JOIN page_authors a ON a.page_id = p.id "
                     "WHERE a.user_id = ?", uid) >= 2, "everything written is kept")
    # The report still shows a deactivated author as such.
    j = status(S["boss"].api("GET", "/api/v1/reports/risk"), 200).json()
    one = next(p for p in j["pages"] if p["slug"] == "cuadre-de-vales")
    check(one["authors"][0]["active"] is False, "inactive author: %r", one["authors"])


def test_gaps_counts_zero_hit_searches(srv):
    q = "zzqx devolucion imposible"
    for _ in range(2):
        status(S["stf"].get("/search?q=" + q.replace(" ", "+")), 200)
    # The report writes the queued searches first: no waiting for the timer.
    j = status(S["boss"].api("GET", "/api/v1/reports/gaps"), 200).json()
    check(srv.scalar("SELECT count(*) FROM search_log WHERE query = ? AND hits = 0", q) == 2,
          "search_log: %r", srv.query("SELECT query, hits FROM search_log"))
    row = next((s for s in j["searches"] if s["query"] == q), None)
    check(row and row["searches"] == 2 and row["zero_hits"] == 2, "gaps row: %r", j["searches"])
    check(len(j["weeks"]) == 12 and j["weeks"][-1]["zero"] >= 2, "weekly trend: %r", j["weeks"])
    r = status(S["boss"].get("/reports/gaps"), 200)
    check(q in r.text and 'role="img"' in r.text, "the HTML report shows it with its chart")


def test_page_views_are_flushed(srv):
    for _ in range(3):
        status(S["stf"].get("/p/cambio-de-turno"), 200)
    deadline = time.time() + 12
    views = None
    while time.time() < deadline:
        views = srv.scalar("SELECT v.views FROM page_views v JOIN pages p ON p.id = v.page_id "
                           "WHERE p.slug = 'cambio-de-turno'")
        if views == 3:
            break
        time.sleep(0.5)
    check(views == 3, "page views flushed within a few seconds: %r", views)


def test_csv_escapes_formulas(srv):
    status(put("ed1", "peligro-csv", EVIL, "- Texto\n", category="Uno"), 201)
    r = status(S["boss"].get("/reports/risk?format=csv"), 200)
    check(r.header("Content-Type").startswith("text/csv"), "type: %r", r.header("Content-Type"))
    cd = r.header("Content-Disposition") or ""
    check(cd.startswith("attachment;") and ".csv" in cd, "disposition: %r", cd)
    raw = r.body.decode("utf-8")
    check(raw.startswith("\ufeff") and "\r\n" in raw, "BOM and CRLF")
    check('"\'=HYPERLINK(""http://ejemplo.invalid/x"",""pulsa"")"' in raw,
          "the formula is quoted and neutralised: %r", raw[:400])
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    row = next(x for x in rows if x["slug"] == "peligro-csv")
    check(row["title"] == "'" + EVIL, "parsed cell: %r", row["title"])
    check(all(not x["title"].startswith(("=", "+", "-", "@")) for x in rows), "no formula cells")
    for path in ("/api/v1/reports/stale?format=csv", "/reports/gaps?format=csv",
                 "/api/v1/reports/challenges?format=csv", "/reports/risk?format=csv&table=categories",
                 "/reports/gaps?format=csv&table=weeks"):
        r = status(S["boss"].get(path), 200)
        check(r.header("Content-Type").startswith("text/csv"), "%s: %r", path, r.header("Content-Type"))


def test_reports_are_for_managers(srv):
    for path in ("/reports", "/reports/risk", "/reports/stale", "/reports/gaps",
                 "/reports/challenges", "/reports/handover"):
        status(S["stf"].get(path), 403)
    for path in ("/api/v1/reports/risk", "/api/v1/reports/stale", "/api/v1/reports/gaps",
                 "/api/v1/reports/challenges", "/api/v1/reports/handover?user=ed1"):
        json_error(S["stf"].api("GET", path), 403)
        json_error(srv.client().api("GET", path), 401)
    json_error(S["boss"].api("GET", "/api/v1/reports/risk?format=xml"), 400)
    json_error(S["boss"].api("GET", "/api/v1/reports/risk?category=" + "x" * 100), 400)
    j = status(S["boss"].api("GET", "/api/v1/reports/challenges"), 200).json()
    check(j["challenges"] == [] and j["total"] == 0, "challenges: %r", j)


def test_report_pages_are_valid_html(srv):
    if not ensure_tidy():
        return
    for path in ("/reports", "/reports/risk", "/reports/risk?category=Uno", "/reports/stale",
                 "/reports/gaps", "/reports/challenges", "/reports/challenges?status=all",
                 "/reports/handover", "/reports/handover?user=solo"):
        r = status(S["boss"].get(path), 200)
        tidy(r.text)


def test_stale_report(srv):
    b = S["boss"]
    j = status(b.api("GET", "/api/v1/reports/stale"), 200).json()
    check(j["pages"] == [], "freshly verified procedures are not stale: %r", j["pages"])
    db_exec(srv, "INSERT INTO flags(page_id, user_id, reason, comment, created_at) "
                 "SELECT id, 1, 'outdated', 'El menú cambió', 0 FROM pages WHERE slug = 'cambio-de-turno'")
    j = status(b.api("GET", "/api/v1/reports/stale"), 200).json()
    check([p["slug"] for p in j["pages"]] == ["cambio-de-turno"] and j["pages"][0]["open_flags"] == 1,
          "a flagged procedure: %r", j["pages"])
    srv.advance_days(200)
    # Sessions last 14 days: log in again on the new clock.
    b = srv.client()
    redirect_to(b.login("boss"), "/")
    j = status(b.api("GET", "/api/v1/reports/stale"), 200).json()
    slugs = {p["slug"] for p in j["pages"]}
    check({"cuadre-de-vales", "cambio-de-turno", "arqueo-semanal"} <= slugs, "overdue: %r", slugs)
    row = next(p for p in j["pages"] if p["slug"] == "cuadre-de-vales")
    check(row["overdue"] and row["days_overdue"] >= 19 and row["owner"]["name"] == "Sucesora",
          "row: %r", row)
    check("glosario" not in slugs, "references are not procedures")
    r = status(b.get("/reports/stale"), 200)
    check("Cuadre de vales" in r.text, "the HTML lists it")
    raw = b.get("/api/v1/reports/stale?format=csv").body.decode("utf-8")
    check('"\'=HYPERLINK(' in raw, "the stale CSV neutralises formulas too")


def test_report_days_read_as_people_write_them(srv):
    """The days in the reports read "31 ene 2030" in <time datetime>, not
    "2030-01-31": due dates (stale, most viewed overdue), the weeks of the
    searches, a departure (risk, handover). JSON and CSV keep ISO days."""
    b = srv.client()
    redirect_to(b.login("boss"), "/")
    iso = r"^\d{4}-\d{2}-\d{2}$"
    stale = status(b.api("GET", "/api/v1/reports/stale"), 200).json()["pages"]
    gaps = status(b.api("GET", "/api/v1/reports/gaps"), 200).json()
    viewed, weeks = gaps["most_viewed_overdue"], gaps["weeks"]
    check(stale and viewed and len(weeks) == 12, "rows to look at: %r %r", stale, viewed)
    for row in stale + viewed:
        check(re.match(iso, row["due_on"]) and "due_on_text" not in row, "JSON row: %r", row)
    check(all(re.match(iso, w["week"]) and "week_text" not in w for w in weeks), "weeks: %r", weeks)
    html = status(b.get("/reports/stale"), 200).text
    for row in stale:
        m = re.search(r"<tr>\s*<th[^>]*><a href=\"/p/%s\">.*?</tr>" % row["slug"], html, re.S)
        check(m and day_html(row["due_on"]) in m.group(0), "stale row of %s: %r", row["slug"],
              m and m.group(0))
    check(bare_days(html) == [], "the stale report shows ISO days: %r", bare_days(html))
    html = status(b.get("/reports/gaps"), 200).text
    for row in viewed:
        check(day_html(row["due_on"]) in html, "most viewed overdue: no %s", row["due_on"])
    for w in weeks:
        check(day_html(w["week"]) in html, "week of %s", w["week"])
    check(bare_days(html) == [], "the gaps report shows ISO days: %r", bare_days(html))
    rows = list(csv.DictReader(io.StringIO(
        status(b.get("/reports/stale?format=csv"), 200).body.decode("utf-8-sig"))))
    check(rows and all(re.match(iso, x["due_on"]) for x in rows), "CSV days: %r", rows)
    # Sola leaves on 2030-01-31.
    leaves = day_html("2030-01-31")
    html = status(b.get("/reports/risk"), 200).text
    check("(se va %s)" % leaves in html, "risk: %r", re.findall(r"se va[^)]*\)", html))
    check(bare_days(html) == [], "the risk report shows ISO days: %r", bare_days(html))
    cats = status(b.api("GET", "/api/v1/reports/risk"), 200).json()["categories"]
    sola = [a for c in cats for a in c["top_authors"] if a["name"] == "Sola Pérez"]
    check(sola and all(a["departs_on"] == "2030-01-31" and "departs_on_text" not in a
                       for a in sola), "risk JSON: %r", sola)
    html = status(b.get("/reports/handover?user=solo"), 200).text
    check("se va el <strong>%s</strong>" % leaves in html, "handover: %r",
          re.findall(r"se va el.{0,80}", html))
    check('name="departs_on" value="2030-01-31"' in html, "the date field keeps the ISO day")
    check(bare_days(html) == [], "the handover page shows ISO days: %r", bare_days(html))
    html = status(b.get("/reports/handover"), 200).text
    check("se va el %s</small>" % leaves in html and
          re.search(r"<option[^>]*>[^<]*se va el 31 ene 2030[^<]*</option>", html),
          "the people: %r", re.findall(r"se va el.{0,80}", html))
    check(bare_days(html) == [], "the handover page shows ISO days: %r", bare_days(html))
    j = status(b.api("GET", "/api/v1/reports/handover?user=solo"), 200).json()
    check(j["user"]["departs_on"] == "2030-01-31" and "departs_on_text" not in j["user"],
          "handover JSON: %r", j["user"])
    if ensure_tidy():
        for path in ("/reports/stale", "/reports/gaps", "/reports/risk", "/reports/handover",
                     "/reports/handover?user=solo"):
            tidy(status(b.get(path), 200).text)
