"""The know-how lifecycle (issue 6) over HTTP, from the templates a new
page starts from to the audit log: a staff member writes a case lesson
that bent a rule, submits it, gets it back with a comment, submits it
again; an editor approves it; the procedure it names shows the challenge
until a manager updates it from the lesson (or dismisses another one with
a reason); proposals are accepted, rejected, and refused when stale
(nothing lost); owners verify, flags are raised and resolved, pages are
archived and restored, people follow pages and categories and read their
inbox, as HTML, JSON and Atom.

Every transition and every permission is tried; every bad input checks
that the database did not change. Tests run in file order and share
state through S.
"""
import re
import xml.etree.ElementTree as ET

from util import (bare_days, check, day_html, error_text, form_values, inputs, json_error, parse,
                  redirect_to, slug_of, status, textarea)

S = {}
ATOM = "{http://www.w3.org/2005/Atom}"

PROC_TITLE = "Devoluciones fuera de plazo"
PROC_MD = """Cuando un cliente quiere devolver un artículo pasados los 30 días.

## Pasos

- [ ] Pedir el ticket
- [ ] Ofrecer un vale si han pasado menos de 45 días
- [ ] Si no, explicar que no se admite la devolución
"""
LESSON_TITLE = "Devolución a los 50 días de una cafetera"
LESSON_MD = """## Situación

Una clienta trajo una cafetera a los 50 días, sin usar.

## Qué hice

Acepté la devolución con un vale.

## Resultado

Volvió a comprar la semana siguiente.

## Lo que aprendimos

El plazo de 45 días se queda corto para regalos.
"""
RULE = "Plazo de devolución de 45 días"
RETURN_COMMENT = "Falta decir quién autorizó la excepción."


def setup(srv):
    srv.add_user("ana", "manager", display="Ana Martín")
    srv.add_user("eva", "editor", display="Eva Ruiz")
    srv.add_user("sol", "staff", display="Sol Vega")
    srv.add_user("tom", "staff", display="Tomás Gil")
    srv.add_user("rita", "reader", display="Rita Sanz")
    srv.add_user("root", "admin", display="Raíz")


def counts(srv):
    """What a refused request must leave as it was."""
    return {t: srv.scalar("SELECT count(*) FROM " + t) for t in
            ("pages", "revisions", "lessons", "proposals", "page_events", "flags",
             "challenges", "follows")} | {
        "statuses": srv.query("SELECT slug, status FROM pages ORDER BY id"),
        "proposal_status": srv.query("SELECT id, status FROM proposals ORDER BY id"),
        "challenge_status": srv.query("SELECT id, status FROM challenges ORDER BY id"),
        "flag_status": srv.query("SELECT id, resolved_at FROM flags ORDER BY id"),
        "verified": srv.query("SELECT id, verified_at, verified_by FROM pages ORDER BY id"),
    }


def unchanged(srv, before, what):
    after = counts(srv)
    diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    check(not diff, "%s changed the database: %r", what, diff)


def page_id(srv, slug):
    return srv.scalar("SELECT id FROM pages WHERE slug = ?", slug)


def status_of(srv, slug):
    return srv.scalar("SELECT status FROM pages WHERE slug = ?", slug)


def text_of(body):
    """The visible text of a page, tags removed and spaces collapsed."""
    t = re.sub(r"<[^>]+>", " ", body if isinstance(body, str) else body.decode())
    import html
    return re.sub(r"\s+", " ", html.unescape(t))


# ---- logins ----

def test_login_everyone(srv):
    login_everyone(srv)


def login_everyone(srv):
    """Sessions last 14 days: after moving the clock, log in again."""
    for u in ("ana", "eva", "sol", "tom", "rita", "root"):
        c = srv.client()
        redirect_to(c.login(u), "/")
        check(c.csrf, "no CSRF token for %s", u)
        S[u] = c


def advance(srv, days):
    srv.advance_days(days)
    if days >= 1:
        login_everyone(srv)


# ---- 1. kinds and their templates ----

def test_new_lesson_starts_from_template(srv):
    r = status(S["sol"].get("/new?kind=lesson"), 200)
    md = textarea(r.text, "markdown")
    check(md.startswith("## Situación") and "## Lo que aprendimos" in md, "lesson template: %r", md)
    r = status(S["eva"].get("/new?kind=procedure"), 200)
    check("## Pasos" in textarea(r.text, "markdown"), "procedure template missing")
    r = status(S["sol"].get("/new?kind=lesson&lang=en"), 200)
    check(textarea(r.text, "markdown").startswith("## Situation"), "English lesson template")


def test_managers_edit_templates(srv):
    status(S["eva"].get("/admin/templates"), 403)
    status(S["sol"].post("/admin/templates", {"kind": "lesson", "lang": "es",
                                              "markdown": "x", "action": "save"}), 403)
    check(srv.scalar("SELECT count(*) FROM page_templates") == 0, "an editor saved a template")
    r = status(S["ana"].get("/admin/templates"), 200)
    check("## Situación" in r.text, "the editor shows the built-in text")
    mine = "## Qué pasó\n\n## Qué hice\n"
    r = S["ana"].post("/admin/templates", {"kind": "lesson", "lang": "es", "markdown": mine,
                                           "action": "save"})
    redirect_to(r, "/admin/templates")
    check(srv.scalar("SELECT markdown FROM page_templates WHERE kind='lesson' AND lang='es'") == mine,
          "template not stored")
    check(textarea(S["sol"].get("/new?kind=lesson").text, "markdown") == mine,
          "a new lesson does not start from the managers' template")
    # A bad kind is refused and stores nothing.
    status(S["ana"].post("/admin/templates", {"kind": "poema", "lang": "es", "markdown": "x",
                                              "action": "save"}), 400)
    check(srv.scalar("SELECT count(*) FROM page_templates") == 1, "a bad kind was stored")
    redirect_to(S["ana"].post("/admin/templates", {"kind": "lesson", "lang": "es",
                                                   "action": "reset"}), "/admin/templates")
    check(srv.scalar("SELECT count(*) FROM page_templates") == 0, "reset did not delete the row")
    check(textarea(S["sol"].get("/new?kind=lesson").text, "markdown").startswith("## Situación"),
          "reset did not bring back the built-in template")
    check(srv.scalar("SELECT count(*) FROM audit WHERE action IN ('template.save','template.reset')") == 2,
          "template changes not audited")


def test_editor_publishes_procedure(srv):
    r = S["eva"].api("PUT", "/api/v1/pages/devoluciones-fuera-de-plazo",
                     {"title": PROC_TITLE, "kind": "procedure", "markdown": PROC_MD,
                      "category": "Devoluciones"})
    status(r, 201)
    S["proc"] = "devoluciones-fuera-de-plazo"
    check(status_of(srv, S["proc"]) == "published", "procedure not published")
    eva = srv.scalar("SELECT id FROM users WHERE username='eva'")
    check(srv.scalar("SELECT owner_id FROM pages WHERE slug=?", S["proc"]) == eva,
          "the author of a procedure should own it")


# ---- 2. a lesson's life ----

def lesson_form(c, **kw):
    f = {"kind": "lesson", "title": LESSON_TITLE, "markdown": LESSON_MD,
         "procedure": PROC_TITLE, "bent_rule": "1", "rule": RULE, "outcome": "positive",
         "happened_on": "2026-03-02", "category": "Devoluciones"}
    f.update(kw)
    return f


def test_lesson_with_unknown_procedure_is_400(srv):
    before = counts(srv)
    r = S["sol"].post("/new", lesson_form(S["sol"], procedure="Procedimiento que no existe"))
    status(r, 400)
    check("procedimiento" in (error_text(r.text) or "").lower(), "error: %r", error_text(r.text))
    check(textarea(r.text, "markdown") == LESSON_MD, "the typed text was lost")
    unchanged(srv, before, "a lesson naming an unknown procedure")
    r = S["sol"].api("PUT", "/api/v1/pages/otra-leccion",
                     {"title": "Otra", "kind": "lesson", "markdown": "x",
                      "lesson": {"procedure": "no-existe"}})
    json_error(r, 400)
    unchanged(srv, before, "an API lesson naming an unknown procedure")


def test_lesson_day_that_does_not_exist_is_400(srv):
    # The shape alone is not enough: February has no 30th, April no 31st,
    # and a sign or a one-digit month is not a day either.
    before = counts(srv)
    for day in ("2026-02-30", "2030-04-31", "2027-02-29", "2026-+1-05", "2026-1-050", " 2026-3-2"):
        r = S["sol"].post("/new", lesson_form(S["sol"], happened_on=day))
        status(r, 400)
        check("fecha" in (error_text(r.text) or "").lower(), "%s: error %r", day, error_text(r.text))
        check(textarea(r.text, "markdown") == LESSON_MD, "%s: the typed text was lost", day)
        r = S["sol"].api("PUT", "/api/v1/pages/leccion-con-dia-imposible",
                         {"title": "Con día imposible", "kind": "lesson", "markdown": "x",
                          "lesson": {"happened_on": day}})
        json_error(r, 400)
    unchanged(srv, before, "lessons dated on days that do not exist")


def test_staff_writes_lesson_as_draft(srv):
    r = S["sol"].post("/new", lesson_form(S["sol"]))
    S["lesson"] = slug_of(r)
    check(status_of(srv, S["lesson"]) == "draft", "a staff lesson should start as a draft")
    row = srv.query("SELECT p2.slug, l.bent_rule, l.rule, l.outcome, l.happened_on FROM lessons l "
                    "JOIN pages p ON p.id = l.page_id JOIN pages p2 ON p2.id = l.procedure_id "
                    "WHERE p.slug = ?", S["lesson"])
    check(row == [(S["proc"], 1, RULE, "positive", "2026-03-02")], "lesson row: %r", row)
    j = S["sol"].api("GET", "/api/v1/pages/" + S["lesson"]).json()
    check(j["lesson"] == {"procedure": S["proc"], "bent_rule": True, "rule": RULE,
                          "outcome": "positive", "happened_on": "2026-03-02"}, "lesson JSON: %r", j)
    # Not published: no challenge yet; other staff cannot see it.
    check(srv.scalar("SELECT count(*) FROM challenges") == 0, "a draft opened a challenge")
    status(S["tom"].get("/p/" + S["lesson"]), 404)
    r = status(S["sol"].get("/p/" + S["lesson"]), 200)
    check('action="/p/%s/submit"' % S["lesson"] in r.text, "the author is not offered to submit")


def test_other_staff_cannot_submit(srv):
    before = counts(srv)
    status(S["tom"].post("/p/%s/submit" % S["lesson"]), 404)
    json_error(S["tom"].api("POST", "/api/v1/pages/%s/submit" % S["lesson"], {}), 404)
    json_error(S["rita"].api("POST", "/api/v1/pages/%s/submit" % S["lesson"], {}), 403)
    unchanged(srv, before, "someone else's submit")


def test_submit_twice_is_one_review_item(srv):
    redirect_to(S["sol"].post("/p/%s/submit" % S["lesson"]), "/p/" + S["lesson"])
    check(status_of(srv, S["lesson"]) == "in_review", "not in review after submit")
    r = status(S["sol"].get("/p/" + S["lesson"]), 200)
    check('id="_tools"' not in r.text, "an empty tools box for the author of a page in review")
    before = counts(srv)
    status(S["sol"].post("/p/%s/submit" % S["lesson"]), 409)
    json_error(S["sol"].api("POST", "/api/v1/pages/%s/submit" % S["lesson"], {}), 409)
    unchanged(srv, before, "a second submit")
    q = S["eva"].api("GET", "/api/v1/review").json()
    check([x["slug"] for x in q["lessons"]] == [S["lesson"]], "review queue: %r", q)
    check(srv.scalar("SELECT count(*) FROM page_events WHERE action='submit'") == 1,
          "two submit events")
    r = status(S["eva"].get("/review"), 200)
    check(r.text.count('action="/p/%s/review"' % S["lesson"]) == 1, "the lesson is not once in /review")
    # The navigation badge and the home page count it.
    check(re.search(r'href="/review">[^<]*<span class="count">1<', r.text), "no review badge of 1")
    home = status(S["eva"].get("/"), 200)
    check("1 página en revisión" in text_of(home.text), "home count missing")
    # A staff member's page has no review link nor badge.
    check('href="/review"' not in S["sol"].get("/").text, "staff see the review link")


def test_staff_cannot_approve(srv):
    before = counts(srv)
    json_error(S["sol"].api("POST", "/api/v1/pages/%s/review" % S["lesson"],
                            {"decision": "approve"}), 403)
    status(S["sol"].post("/p/%s/review" % S["lesson"], {"decision": "approve"}), 403)
    status(S["sol"].get("/review"), 403)
    json_error(S["rita"].api("GET", "/api/v1/review"), 403)
    unchanged(srv, before, "a staff member's approval")


def test_review_bad_input(srv):
    before = counts(srv)
    url = "/api/v1/pages/%s/review" % S["lesson"]
    json_error(S["eva"].api("POST", url, {"decision": "publicar"}), 400)
    json_error(S["eva"].api("POST", url, {}), 400)
    json_error(S["eva"].api("POST", url, {"decision": "return"}), 400)      # comment required
    json_error(S["eva"].api("POST", url, {"decision": "return", "comment": "   "}), 400)
    json_error(S["eva"].api("POST", url, {"decision": "archive"}), 400)     # reason required
    json_error(S["eva"].api("POST", url, {"decision": "return", "comment": "x" * 2001}), 400)
    json_error(S["eva"].api("POST", url, {"decision": "return", "comment": "a\x01b"}), 400)
    json_error(S["eva"].api("POST", "/api/v1/pages/no-existe/review", {"decision": "approve"}), 404)
    status(S["eva"].post("/p/%s/review" % S["lesson"], {"decision": "return"}), 400)
    # From the queue's own form: the queue again, the message at that item.
    r = status(S["eva"].post("/p/%s/review" % S["lesson"], {"decision": "return",
                                                           "back": "/review"}), 400)
    item = r.text[r.text.index('action="/p/%s/review"' % S["lesson"]):]
    check('<h1>Revisar</h1>' in r.text and
          '<p class="error" role="alert"' in item[:item.index("</form>")] and
          "Escribe un comentario" in item[:item.index("</form>")] and 'aria-invalid="true"' in item,
          "the queue with the message at the item: %r", r.text[-3000:])
    unchanged(srv, before, "bad review input")


def test_return_with_comment(srv):
    r = S["eva"].post("/p/%s/review" % S["lesson"], {"decision": "return",
                                                     "comment": RETURN_COMMENT, "back": "/review"})
    redirect_to(r, "/review")
    check(status_of(srv, S["lesson"]) == "draft", "returned lesson is not a draft")
    ev = srv.query("SELECT e.action, e.from_status, e.to_status, e.comment, u.username "
                   "FROM page_events e JOIN users u ON u.id = e.user_id "
                   "WHERE e.page_id = ? ORDER BY e.id DESC LIMIT 1", page_id(srv, S["lesson"]))
    check(ev == [("return", "in_review", "draft", RETURN_COMMENT, "eva")], "event: %r", ev)
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='page.return' AND target=?",
                     S["lesson"]) == 1, "return not audited")
    # The author sees the comment on the page and in her inbox.
    r = status(S["sol"].get("/p/" + S["lesson"]), 200)
    check(RETURN_COMMENT in text_of(r.text), "the comment is not on the page")
    check("Devuelto para cambios" in text_of(r.text), "no 'returned' banner")
    inbox = S["sol"].api("GET", "/api/v1/me/inbox").json()
    check([(i["slug"], i["comment"]) for i in inbox["returned"]] == [(S["lesson"], RETURN_COMMENT)],
          "inbox returned: %r", inbox["returned"])
    check(inbox["count"] >= 1, "inbox count: %r", inbox["count"])
    me = status(S["sol"].get("/me"), 200)
    check(RETURN_COMMENT in text_of(me.text), "the comment is not in /me")
    check(re.search(r'href="/me">.*?<span class="count">%d<' % inbox["count"], me.text, re.S),
          "no inbox badge in the navigation")
    # Returning again is a 409: it is a draft now.
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/review" % S["lesson"],
                            {"decision": "return", "comment": "otra vez"}), 409)
    unchanged(srv, before, "returning a draft")


def test_resubmit_and_approve_opens_challenge(srv):
    redirect_to(S["sol"].post("/p/%s/submit" % S["lesson"]), "/p/")
    check(S["sol"].api("GET", "/api/v1/me/inbox").json()["returned"] == [],
          "a resubmitted lesson is still 'returned' in the inbox")
    r = S["eva"].api("POST", "/api/v1/pages/%s/review" % S["lesson"],
                     {"decision": "approve", "comment": "Bien contado"})
    status(r, 200)
    check(r.json()["status"] == "published", "approve answer: %r", r.json())
    check(status_of(srv, S["lesson"]) == "published", "approved lesson not published")
    ch = srv.query("SELECT c.status, p.slug FROM challenges c JOIN pages p ON p.id = c.procedure_id "
                   "JOIN pages l ON l.id = c.lesson_id WHERE l.slug = ?", S["lesson"])
    check(ch == [("open", S["proc"])], "challenge: %r", ch)
    S["challenge"] = srv.scalar("SELECT id FROM challenges")
    # Approving an approved lesson is a 409 and changes nothing.
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/review" % S["lesson"],
                            {"decision": "approve"}), 409)
    status(S["ana"].post("/p/%s/review" % S["lesson"], {"decision": "approve"}), 409)
    unchanged(srv, before, "approving an approved lesson")
    # The author hears of it.
    news = S["sol"].api("GET", "/api/v1/me/inbox").json()["news"]
    check(any(n["type"] == "event_approve" and n["slug"] == S["lesson"] for n in news),
          "approval not in the author's inbox: %r", news)


def test_procedure_shows_challenge_and_related_lessons(srv):
    r = status(S["rita"].get("/p/" + S["proc"]), 200)
    t = text_of(r.text)
    check("1 lección cuestiona este procedimiento" in t, "no challenge banner")
    check(LESSON_TITLE in t and "Casos relacionados" in t, "related lessons missing")
    check("/edit?lesson=" not in r.text, "a reader is offered to update from the challenge")
    r = status(S["ana"].get("/p/" + S["proc"]), 200)
    lid = page_id(srv, S["lesson"])
    check('href="/p/%s/edit?lesson=%d"' % (S["proc"], lid) in r.text, "no update link for a manager")
    check('action="/challenges/%d/dismiss"' % S["challenge"] in r.text, "no dismiss form for a manager")
    j = S["rita"].api("GET", "/api/v1/pages/%s/challenges" % S["proc"]).json()
    check([(c["id"], c["status"], c["lesson"]["slug"], c["rule"]) for c in j["challenges"]] ==
          [(S["challenge"], "open", S["lesson"], RULE)], "challenges: %r", j)
    # The owner (eva) has it in her inbox.
    inbox = S["eva"].api("GET", "/api/v1/me/inbox").json()
    check([c["challenge_id"] for c in inbox["challenges"]] == [S["challenge"]],
          "owner inbox challenges: %r", inbox["challenges"])
    # Filters: the lesson is found by procedure, rule bent, outcome.
    for q in ("procedure=%s" % S["proc"], "bent_rule=true", "outcome=positive",
              "procedure=%s&bent_rule=1&outcome=positive" % S["proc"]):
        j = S["rita"].api("GET", "/api/v1/pages?" + q).json()
        check([p["slug"] for p in j["pages"]] == [S["lesson"]], "filter %s: %r", q, j)
    j = S["rita"].api("GET", "/api/v1/pages?outcome=negative").json()
    check(j["pages"] == [], "outcome=negative: %r", j)
    json_error(S["rita"].api("GET", "/api/v1/pages?outcome=regular"), 400)
    json_error(S["rita"].api("GET", "/api/v1/pages?bent_rule=quizas"), 400)
    r = status(S["rita"].get("/browse?kind=lesson&outcome=positive&bent_rule=1"), 200)
    check(LESSON_TITLE in text_of(r.text), "browse filter misses the lesson")
    r = status(S["rita"].get("/browse?kind=lesson&outcome=mixed"), 200)
    check(LESSON_TITLE not in text_of(r.text), "browse filter shows a lesson it should not")


def test_lesson_date_reads_as_people_write_it(srv):
    """The day of the case reads "2 mar 2026" in <time datetime>, on the
    lesson and in the procedure's related lessons; the API keeps the ISO
    day."""
    day = day_html("2026-03-02")
    r = status(S["rita"].get("/p/" + S["lesson"]), 200).text
    check("<dd>%s</dd>" % day in r, "the lesson's date: %r", re.findall(r"<dd>[^\n]*2026[^\n]*", r))
    check(bare_days(r) == [], "the lesson shows ISO days: %r", bare_days(r))
    r = status(S["rita"].get("/p/" + S["proc"]), 200).text
    check('<small class="meta">%s</small>' % day in r, "the related lesson's date: %r",
          re.findall(r"[^\n]*2026-03-02[^\n]*", r))
    check(bare_days(r) == [], "the procedure shows ISO days: %r", bare_days(r))
    r = status(S["rita"].get("/p/%s?lang=en" % S["lesson"]), 200).text
    check("<dd>%s</dd>" % day_html("2026-03-02", "en") in r, "the lesson's date in English")
    j = S["rita"].api("GET", "/api/v1/pages/" + S["lesson"]).json()
    check(j["lesson"]["happened_on"] == "2026-03-02" and "happened_on_text" not in j["lesson"],
          "lesson JSON: %r", j["lesson"])


def test_update_procedure_from_challenge(srv):
    lid = page_id(srv, S["lesson"])
    r = status(S["ana"].get("/p/%s/edit?lesson=%d" % (S["proc"], lid)), 200)
    f = form_values(r.text, "/p/%s/edit" % S["proc"])
    check(f.get("lesson") == str(lid), "the editor does not carry the lesson: %r", f)
    f["markdown"] = f["markdown"].replace("menos de 45 días", "menos de 60 días")
    f["comment"] = "Ampliado a 60 días por el caso de la cafetera"
    redirect_to(S["ana"].post("/p/%s/edit" % S["proc"], f), "/p/" + S["proc"])
    rev = srv.scalar("SELECT current_rev FROM pages WHERE slug=?", S["proc"])
    check(rev == 2, "no new revision: %r", rev)
    check(srv.scalar("SELECT lesson_id FROM revisions WHERE page_id=? AND n=2",
                     page_id(srv, S["proc"])) == lid, "the revision does not link the lesson")
    ch = srv.query("SELECT status, rev, decided_by FROM challenges WHERE id=?", S["challenge"])
    ana = srv.scalar("SELECT id FROM users WHERE username='ana'")
    check(ch == [("updated", 2, ana)], "challenge after the update: %r", ch)
    t = text_of(status(S["rita"].get("/p/" + S["proc"]), 200).text)
    check("cuestiona" not in t, "the challenge banner is still there")
    # The lesson's author sees the outcome in her inbox.
    news = S["sol"].api("GET", "/api/v1/me/inbox").json()["news"]
    upd = [n for n in news if n["type"] == "challenge_updated"]
    check(len(upd) == 1 and upd[0]["slug"] == S["proc"] and upd[0]["rev"] == 2 and
          upd[0]["lesson"]["slug"] == S["lesson"], "news: %r", news)
    me = text_of(S["sol"].get("/me").text)
    check("Tu caso cambió el procedimiento" in me and PROC_TITLE in me, "outcome not in /me")
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='challenge.updated'") == 1,
          "the update from the challenge is not audited")


def test_dismiss_challenge_with_reason(srv):
    # An editor's lesson is published at once and challenges the procedure.
    r = S["eva"].api("PUT", "/api/v1/pages/cambio-de-talla-sin-ticket",
                     {"title": "Cambio de talla sin ticket", "kind": "lesson",
                      "markdown": "## Situación\n\nSin ticket.\n",
                      "lesson": {"procedure": S["proc"], "bent_rule": True,
                                 "rule": "Pedir el ticket", "outcome": "mixed"}})
    status(r, 201)
    S["lesson2"] = "cambio-de-talla-sin-ticket"
    cid = srv.scalar("SELECT c.id FROM challenges c JOIN pages l ON l.id = c.lesson_id "
                     "WHERE l.slug=? AND c.status='open'", S["lesson2"])
    check(cid, "a published lesson that bent a rule did not open a challenge")
    check("1 lección cuestiona" in text_of(S["rita"].get("/p/" + S["proc"]).text),
          "the new challenge is not shown")
    before = counts(srv)
    json_error(S["ana"].api("POST", "/api/v1/challenges/%d/dismiss" % cid, {}), 400)
    json_error(S["ana"].api("POST", "/api/v1/challenges/%d/dismiss" % cid, {"reason": " "}), 400)
    json_error(S["eva"].api("POST", "/api/v1/challenges/%d/dismiss" % cid, {"reason": "no"}), 403)
    json_error(S["ana"].api("POST", "/api/v1/challenges/999999/dismiss", {"reason": "x"}), 404)
    status(S["ana"].post("/challenges/%d/dismiss" % cid, {}), 400)
    unchanged(srv, before, "a bad dismissal")
    reason = "Sin ticket se cambia la talla; no cambia el procedimiento de devoluciones"
    redirect_to(S["ana"].post("/challenges/%d/dismiss" % cid, {"reason": reason}), "/p/" + S["proc"])
    check(srv.query("SELECT status, reason FROM challenges WHERE id=?", cid) == [("dismissed", reason)],
          "challenge not dismissed")
    check("cuestiona" not in text_of(S["rita"].get("/p/" + S["proc"]).text),
          "a dismissed challenge is still shown")
    before = counts(srv)
    json_error(S["ana"].api("POST", "/api/v1/challenges/%d/dismiss" % cid, {"reason": "x"}), 409)
    unchanged(srv, before, "dismissing twice")
    j = S["rita"].api("GET", "/api/v1/pages/%s/challenges?status=all" % S["proc"]).json()
    check(sorted(c["status"] for c in j["challenges"]) == ["dismissed", "updated"], "all: %r", j)
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='challenge.dismiss'") == 1,
          "dismissal not audited")


# ---- proposals ----

def propose(srv, who, replace_from, replace_to, comment):
    c = S[who]
    r = status(c.get("/p/%s/edit" % S["proc"]), 200)
    f = form_values(r.text, "/p/%s/edit" % S["proc"])
    check(replace_from in f["markdown"], "text to replace not found")
    f["markdown"] = f["markdown"].replace(replace_from, replace_to)
    f["comment"] = comment
    sent = redirect_to(c.post("/p/%s/edit" % S["proc"], f), "/p/%s/proposed" % S["proc"])
    pid = srv.scalar("SELECT max(id) FROM proposals")
    # The page that says so is a GET: reloading it sends nothing again.
    for _ in range(2):
        check("Propuesta enviada" in status(c.get(sent), 200).text, "no sent page at %s", sent)
    check(srv.scalar("SELECT max(id) FROM proposals") == pid, "reloading sent the proposal again")
    return pid


def test_reader_cannot_propose(srv):
    before = counts(srv)
    cur = srv.scalar("SELECT current_rev FROM pages WHERE slug=?", S["proc"])
    json_error(S["rita"].api("PUT", "/api/v1/pages/" + S["proc"],
                             {"markdown": "nada", "base_rev": cur}), 403)
    status(S["rita"].post("/p/%s/edit" % S["proc"], {"title": "x", "markdown": "x",
                                                     "base_rev": str(cur)}), 403)
    unchanged(srv, before, "a reader's proposal")


def test_accept_proposal_authored_by_proposer(srv):
    pid = propose(srv, "sol", "Pedir el ticket", "Pedir el ticket o el justificante", "Vale el justificante")
    S["proposal"] = pid
    check(srv.query("SELECT status FROM proposals WHERE id=?", pid) == [("pending",)], "not pending")
    # The review queue and the proposal page with its diff.
    q = S["eva"].api("GET", "/api/v1/review").json()
    check([p["id"] for p in q["proposals"]] == [pid], "queue proposals: %r", q["proposals"])
    r = status(S["eva"].get("/p/%s/proposals/%d" % (S["proc"], pid)), 200)
    rows = parse(r.text).rows
    check(any(cls == "d-add" and "o el justificante" in t for cls, t in rows), "no added line in the diff")
    check(any(cls == "d-del" and "Pedir el ticket" in t for cls, t in rows), "no removed line")
    # Another staff member cannot see it; the proposer can, without the decide forms.
    status(S["tom"].get("/p/%s/proposals/%d" % (S["proc"], pid)), 404)
    r = status(S["sol"].get("/p/%s/proposals/%d" % (S["proc"], pid)), 200)
    check("/accept" not in r.text, "the proposer is offered to accept her own proposal")
    before = counts(srv)
    status(S["sol"].post("/p/%s/proposals/%d/accept" % (S["proc"], pid)), 403)
    json_error(S["sol"].api("POST", "/api/v1/pages/%s/proposals/%d/accept" % (S["proc"], pid), {}), 403)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/proposals/%d/accept" % (S["proc"], 99999), {}), 404)
    unchanged(srv, before, "a refused accept")
    redirect_to(S["eva"].post("/p/%s/proposals/%d/accept" % (S["proc"], pid),
                              {"comment": "Gracias"}), "/p/" + S["proc"])
    pg = page_id(srv, S["proc"])
    rev = srv.scalar("SELECT current_rev FROM pages WHERE id=?", pg)
    row = srv.query("SELECT u.username, r.proposal_id, r.comment FROM revisions r "
                    "JOIN users u ON u.id = r.author_id WHERE r.page_id=? AND r.n=?", pg, rev)
    check(row == [("sol", pid, "Vale el justificante")], "accepted revision: %r", row)
    check(srv.query("SELECT x.status, u.username, x.rev FROM proposals x JOIN users u "
                    "ON u.id = x.decided_by WHERE x.id=?", pid) == [("accepted", "eva", rev)],
          "proposal row after accept")
    ev = srv.query("SELECT u.username, e.rev FROM page_events e JOIN users u ON u.id = e.user_id "
                   "WHERE e.page_id=? AND e.action='accept'", pg)
    check(ev == [("eva", rev)], "accept event: %r", ev)
    check(srv.scalar("SELECT verified_by FROM pages WHERE id=?", pg) ==
          srv.scalar("SELECT id FROM users WHERE username='eva'"), "accepting did not verify")
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/proposals/%d/accept" % (S["proc"], pid), {}), 409)
    unchanged(srv, before, "accepting twice")
    news = S["sol"].api("GET", "/api/v1/me/inbox").json()["news"]
    check(any(n["type"] == "proposal_accepted" for n in news), "acceptance not in the inbox")


def test_stale_proposal_is_409_and_keeps_both_texts(srv):
    pid = propose(srv, "tom", "explicar que no se admite", "explicar con amabilidad que no se admite",
                  "Más amable")
    base = srv.scalar("SELECT base_rev FROM proposals WHERE id=?", pid)
    # Meanwhile an editor changes the procedure.
    cur = srv.scalar("SELECT current_rev FROM pages WHERE slug=?", S["proc"])
    md = S["eva"].api("GET", "/api/v1/pages/" + S["proc"]).json()["markdown"]
    status(S["eva"].api("PUT", "/api/v1/pages/" + S["proc"],
                        {"markdown": md + "- [ ] Anotar el caso\n", "base_rev": cur}), 200)
    newrev = cur + 1
    before = counts(srv)
    r = S["eva"].post("/p/%s/proposals/%d/accept" % (S["proc"], pid), {})
    status(r, 409)
    body = r.text
    check("explicar con amabilidad" in textarea(body, None) or
          "explicar con amabilidad" in body, "the proposal's text is not on the conflict page")
    tas = [t for a, t in parse(body).textareas]
    check(any("con amabilidad" in t for t in tas) and any("Anotar el caso" in t for t in tas),
          "both texts should be on the conflict page: %r", [t[:40] for t in tas])
    check('name="rebase" value="%d"' % newrev in body, "no 'accept anyway on top of %d'" % newrev)
    from util import ensure_tidy, tidy
    if ensure_tidy():
        tidy(body)
    j = json_error(S["eva"].api("POST", "/api/v1/pages/%s/proposals/%d/accept" % (S["proc"], pid), {}), 409)
    check(j["current_rev"] == newrev and j["base_rev"] == base, "conflict JSON: %r", j)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/proposals/%d/accept" % (S["proc"], pid),
                            {"rebase": base}), 409)
    unchanged(srv, before, "accepting a stale proposal")
    check(srv.scalar("SELECT markdown FROM proposals WHERE id=?", pid).count("con amabilidad") == 1,
          "the proposal's text is gone")
    # Deliberately on top of the current revision.
    r = S["eva"].api("POST", "/api/v1/pages/%s/proposals/%d/accept" % (S["proc"], pid),
                     {"rebase": newrev, "comment": "Aceptada sobre la actual"})
    status(r, 200)
    pg = page_id(srv, S["proc"])
    check(srv.scalar("SELECT current_rev FROM pages WHERE id=?", pg) == newrev + 1, "no new revision")
    check("con amabilidad" in srv.scalar("SELECT markdown FROM revisions WHERE page_id=? AND n=?",
                                          pg, newrev + 1), "the accepted text is not current")
    check("Anotar el caso" in srv.scalar("SELECT markdown FROM revisions WHERE page_id=? AND n=?",
                                          pg, newrev), "the intermediate revision is gone")


def test_reject_proposal(srv):
    pid = propose(srv, "sol", "Pedir el ticket o el justificante", "Pedir cualquier papel", "Más fácil")
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/proposals/%d/reject" % (S["proc"], pid), {}), 400)
    status(S["eva"].post("/p/%s/proposals/%d/reject" % (S["proc"], pid), {"comment": ""}), 400)
    unchanged(srv, before, "a rejection without a reason")
    redirect_to(S["eva"].post("/p/%s/proposals/%d/reject" % (S["proc"], pid),
                              {"comment": "Hace falta un justificante"}), "/p/" + S["proc"])
    check(srv.query("SELECT status, decision_comment FROM proposals WHERE id=?", pid) ==
          [("rejected", "Hace falta un justificante")], "not rejected")
    check("Pedir cualquier papel" not in srv.scalar(
        "SELECT r.markdown FROM revisions r JOIN pages p ON p.id=r.page_id AND r.n=p.current_rev "
        "WHERE p.slug=?", S["proc"]), "a rejected proposal became current")
    news = S["sol"].api("GET", "/api/v1/me/inbox").json()["news"]
    check(any(n["type"] == "proposal_rejected" and n["comment"] == "Hace falta un justificante"
              for n in news), "rejection not in the inbox: %r", news)
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='proposal.reject'") == 1, "not audited")


# ---- 5. owners and verification ----

def test_settings_owner_and_interval(srv):
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/settings" % S["proc"], {"review_days": 30}), 403)
    status(S["eva"].get("/p/%s/settings" % S["proc"]), 403)
    json_error(S["ana"].api("POST", "/api/v1/pages/%s/settings" % S["proc"], {"review_days": 0}), 400)
    json_error(S["ana"].api("POST", "/api/v1/pages/%s/settings" % S["proc"], {"review_days": "30"}), 400)
    json_error(S["ana"].api("POST", "/api/v1/pages/%s/settings" % S["proc"], {"owner": "nadie"}), 400)
    json_error(S["ana"].api("POST", "/api/v1/pages/%s/settings" % S["proc"],
                            {"owner": "tom", "backup_owner": "tom"}), 400)
    unchanged(srv, before, "bad settings")
    check(srv.scalar("SELECT review_days FROM pages WHERE slug=?", S["proc"]) == 180, "default interval")
    r = status(S["ana"].get("/p/%s/settings" % S["proc"]), 200)
    f = form_values(r.text, "/p/%s/settings" % S["proc"])
    check(f["owner"] == "eva" and f["review_days"] == "180", "settings form: %r", f)
    f.update({"owner": "tom", "backup_owner": "sol", "review_days": "30"})
    redirect_to(S["ana"].post("/p/%s/settings" % S["proc"], f), "/p/" + S["proc"])
    row = srv.query("SELECT o.username, b.username, p.review_days FROM pages p "
                    "JOIN users o ON o.id = p.owner_id JOIN users b ON b.id = p.backup_owner_id "
                    "WHERE p.slug=?", S["proc"])
    check(row == [("tom", "sol", 30)], "settings: %r", row)
    j = S["ana"].api("GET", "/api/v1/pages/" + S["proc"]).json()
    check(j["owner"]["name"] == "Tomás Gil" and j["review_days"] == 30, "page JSON: %r", j)
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='page.settings'") == 1, "not audited")
    # The same values again, by the form and by the API: nothing changed,
    # so neither the history nor the audit log has anything to say.
    before = counts(srv)
    events = srv.scalar("SELECT count(*) FROM page_events WHERE action='settings'")
    f = form_values(status(S["ana"].get("/p/%s/settings" % S["proc"]), 200).text,
                    "/p/%s/settings" % S["proc"])
    redirect_to(S["ana"].post("/p/%s/settings" % S["proc"], f), "/p/" + S["proc"])
    j = status(S["ana"].api("POST", "/api/v1/pages/%s/settings" % S["proc"], {"review_days": 30}),
               200).json()
    check(j["review_days"] == 30 and j["owner"]["name"] == "Tomás Gil", "settings answer: %r", j)
    check(srv.scalar("SELECT count(*) FROM page_events WHERE action='settings'") == events,
          "an unchanged save of the settings wrote to the page's history")
    unchanged(srv, before, "settings saved with the values they had")


def test_verification_overdue_from_interval(srv):
    pg = page_id(srv, S["proc"])
    revs = srv.scalar("SELECT count(*) FROM revisions WHERE page_id=?", pg)
    r = status(S["rita"].get("/p/" + S["proc"]), 200)
    check("Verificado por Eva Ruiz" in text_of(r.text), "verification line: %s",
          re.findall(r"[^.]*[Vv]erific[^.]*", text_of(r.text))[:3])
    advance(srv, 31)
    r = status(S["rita"].get("/p/" + S["proc"]), 200)
    check("Revisión vencida desde el" in text_of(r.text), "not shown as overdue after 31 days of 30")
    inbox = S["tom"].api("GET", "/api/v1/me/inbox").json()
    check([o["slug"] for o in inbox["overdue"]] == [S["proc"]], "owner inbox overdue: %r", inbox)
    check(S["eva"].api("GET", "/api/v1/me/inbox").json()["overdue"] == [],
          "someone else's overdue page in the inbox")
    # The day it fell due, as people write it: on the page and in the
    # owner's inbox on /me; the API's due_text stays the ISO day.
    due = inbox["overdue"][0]["due_text"]
    check(re.match(r"^\d{4}-\d{2}-\d{2}$", due), "API due_text: %r", due)
    check("Revisión vencida desde el %s." % day_html(due) in r.text, "the page's banner: %r",
          re.findall(r"Revisión vencida desde el[^\n]{0,80}", r.text))
    me = status(S["tom"].get("/me"), 200).text
    check("(vencida el %s)" % day_html(due) in me, "the inbox on /me: %r",
          re.findall(r"vencida el[^\n]{0,80}", me))
    check(bare_days(me) == [], "/me shows ISO days: %r", bare_days(me))
    # Only the owner, the backup owner or a manager may verify.
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/verify" % S["proc"], {}), 403)
    status(S["rita"].post("/p/%s/verify" % S["proc"]), 403)
    json_error(S["ana"].api("POST", "/api/v1/pages/%s/verify" % S["lesson"], {}), 400)
    unchanged(srv, before, "a refused verification")
    r = status(S["tom"].get("/p/" + S["proc"]), 200)
    check('action="/p/%s/verify"' % S["proc"] in r.text, "the owner has no verify button")
    redirect_to(S["tom"].post("/p/%s/verify" % S["proc"]), "/p/" + S["proc"])
    tom = srv.scalar("SELECT id FROM users WHERE username='tom'")
    check(srv.scalar("SELECT verified_by FROM pages WHERE id=?", pg) == tom, "verified_by")
    check(srv.scalar("SELECT count(*) FROM revisions WHERE page_id=?", pg) == revs,
          "verifying made a revision")
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='page.verify' AND target=?",
                     S["proc"]) == 1, "verification not audited")
    t = text_of(S["rita"].get("/p/" + S["proc"]).text)
    check("Verificado por Tomás Gil" in t and "vencida" not in t, "after verifying: %s", t[:600])
    check(S["tom"].api("GET", "/api/v1/me/inbox").json()["overdue"] == [], "still overdue in the inbox")
    # The backup owner may verify too, over the API.
    r = S["sol"].api("POST", "/api/v1/pages/%s/verify" % S["proc"], {})
    status(r, 200)
    check(r.json()["verified_by"]["name"] == "Sol Vega", "API verify: %r", r.json())
    advance(srv, 31)
    check("Revisión vencida" in text_of(S["rita"].get("/p/" + S["proc"]).text), "overdue again")
    status(S["ana"].api("POST", "/api/v1/pages/%s/verify" % S["proc"], {}), 200)


# ---- 6. flags ----

def test_flags(srv):
    before = counts(srv)
    url = "/api/v1/pages/%s/flags" % S["proc"]
    json_error(S["rita"].api("POST", url, {"reason": "raro", "comment": "x"}), 400)
    json_error(S["rita"].api("POST", url, {"reason": "wrong"}), 400)
    json_error(S["rita"].api("POST", url, {"reason": "wrong", "comment": "   "}), 400)
    json_error(S["rita"].api("POST", "/api/v1/pages/no-existe/flags", {"reason": "wrong", "comment": "x"}), 404)
    json_error(srv.client().api("POST", url, {"reason": "wrong", "comment": "x"}), 401)
    status(S["rita"].post("/p/%s/flag" % S["proc"], {"reason": "outdated"}), 400)
    unchanged(srv, before, "a bad flag")
    redirect_to(S["rita"].post("/p/%s/flag" % S["proc"],
                               {"reason": "outdated", "comment": "El plazo ahora es de 60 días en toda la cadena"}),
                "/p/" + S["proc"])
    r = S["rita"].api("POST", url, {"reason": "unclear", "comment": "¿Qué es un justificante?"})
    status(r, 201)
    fid2 = r.json()["id"]
    check(srv.scalar("SELECT count(*) FROM flags WHERE resolved_at IS NULL") == 2, "flags not stored")
    t = text_of(S["rita"].get("/p/" + S["proc"]).text)
    check("2 avisos abiertos" in t, "open flags count not shown")
    j = S["rita"].api("GET", url).json()
    check(len(j["flags"]) == 2 and all(f["status"] == "open" for f in j["flags"]), "flags: %r", j)
    inbox = S["tom"].api("GET", "/api/v1/me/inbox").json()
    check(len(inbox["flags"]) == 2, "the owner does not see the flags: %r", inbox["flags"])
    # Only the owner, the backup owner or an editor resolves.
    fid1 = srv.scalar("SELECT min(id) FROM flags")
    before = counts(srv)
    json_error(S["rita"].api("POST", "/api/v1/flags/%d/resolve" % fid1, {"comment": "no"}), 403)
    status(S["rita"].post("/flags/%d/resolve" % fid1, {"comment": "no"}), 403)
    json_error(S["tom"].api("POST", "/api/v1/flags/%d/resolve" % fid1, {}), 400)
    json_error(S["tom"].api("POST", "/api/v1/flags/99999/resolve", {"comment": "x"}), 404)
    unchanged(srv, before, "a refused resolution")
    r = status(S["tom"].get("/p/" + S["proc"]), 200)
    check('action="/flags/%d/resolve"' % fid1 in r.text, "the owner has no resolve form")
    redirect_to(S["tom"].post("/flags/%d/resolve" % fid1, {"comment": "Ya dice 60 días"}), "/p/" + S["proc"])
    check(srv.query("SELECT resolution FROM flags WHERE id=?", fid1) == [("Ya dice 60 días",)], "not resolved")
    before = counts(srv)
    json_error(S["tom"].api("POST", "/api/v1/flags/%d/resolve" % fid1, {"comment": "otra"}), 409)
    unchanged(srv, before, "resolving twice")
    check("1 aviso abierto" in text_of(S["rita"].get("/p/" + S["proc"]).text), "count after resolving")
    # Editing with "resolve the flags" closes the rest.
    r = status(S["eva"].get("/p/%s/edit" % S["proc"]), 200)
    f = form_values(r.text, "/p/%s/edit" % S["proc"])
    check("resolve_flags" in inputs(r.text), "no resolve-flags checkbox in the editor")
    f["markdown"] += "\nUn justificante es el extracto del banco o el correo de la compra.\n"
    f["comment"] = "Aclarado qué es un justificante"
    f["resolve_flags"] = "1"
    redirect_to(S["eva"].post("/p/%s/edit" % S["proc"], f), "/p/" + S["proc"])
    check(srv.query("SELECT resolution FROM flags WHERE id=?", fid2) == [("Aclarado qué es un justificante",)],
          "editing did not resolve the flag")
    check("aviso abierto" not in text_of(S["rita"].get("/p/" + S["proc"]).text) and
          "avisos abiertos" not in text_of(S["rita"].get("/p/" + S["proc"]).text), "flags still shown")
    check(srv.scalar("SELECT count(*) FROM audit WHERE action='flag.create'") == 2 and
          srv.scalar("SELECT count(*) FROM audit WHERE action='flag.resolve'") == 2, "flags not audited")


# ---- 7. archive and restore ----

def test_archive_and_restore(srv):
    slug = S["lesson2"]
    before = counts(srv)
    json_error(S["sol"].api("POST", "/api/v1/pages/%s/archive" % slug, {"comment": "x"}), 403)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/archive" % slug, {}), 400)
    unchanged(srv, before, "a refused archive")
    redirect_to(S["eva"].post("/p/%s/archive" % slug, {"comment": "Repetido"}), "/p/" + slug)
    check(status_of(srv, slug) == "archived", "not archived")
    # Staff and readers are told it was archived (it had been published),
    # with its title, and are not offered to write it again.
    for who in ("sol", "rita"):
        r = status(S[who].get("/p/" + slug), 410)
        t = text_of(r.text)
        check("Esta página está archivada" in t and "Cambio de talla sin ticket" in t,
              "%s is not told the page was archived: %s", who, t[-600:])
        check('<form method="get" action="/new">' not in r.text and "Repetido" not in t,
              "%s is offered to create it, or reads why it was archived", who)
    j = S["sol"].api("GET", "/api/v1/search?q=talla").json()
    check(all(x["slug"] != slug for x in j["results"]), "an archived page is found by staff")
    r = status(S["eva"].get("/p/" + slug), 200)
    check("Repetido" in text_of(r.text) and 'action="/p/%s/unarchive"' % slug in r.text,
          "the editor does not see the reason or the restore button")
    before = counts(srv)
    json_error(S["eva"].api("POST", "/api/v1/pages/%s/archive" % slug, {"comment": "otra"}), 409)
    unchanged(srv, before, "archiving twice")
    redirect_to(S["eva"].post("/p/%s/unarchive" % slug), "/p/" + slug)
    check(status_of(srv, slug) == "published", "not restored")
    status(S["sol"].get("/p/" + slug), 200)
    acts = [a for (a,) in srv.query("SELECT action FROM page_events WHERE page_id=? ORDER BY id",
                                     page_id(srv, slug))]
    check(acts[-2:] == ["archive", "unarchive"], "events: %r", acts)


# ---- promote ----

def test_promote_lesson_into_procedure(srv):
    before = counts(srv)
    json_error(S["rita"].api("POST", "/api/v1/pages/%s/promote" % S["lesson"], {}), 403)
    json_error(S["sol"].api("POST", "/api/v1/pages/%s/promote" % S["proc"], {}), 400)
    unchanged(srv, before, "a refused promotion")
    r = S["sol"].post("/p/%s/promote" % S["lesson"], {"title": "Devoluciones de regalos"})
    loc = redirect_to(r, "/p/")
    check(loc.endswith("/edit"), "promotion should open the editor: %r", loc)
    new = loc[len("/p/"):-len("/edit")]
    row = srv.query("SELECT kind, status, promoted_from FROM pages WHERE slug=?", new)
    check(row == [("procedure", "draft", page_id(srv, S["lesson"]))], "promoted: %r", row)
    check(status_of(srv, S["lesson"]) == "published", "the lesson did not stay")
    r = S["eva"].api("POST", "/api/v1/pages/%s/promote" % S["lesson"],
                     {"title": "Regalos: plazos", "publish": True})
    status(r, 201)
    pub = r.json()["slug"]
    check(status_of(srv, pub) == "published", "an editor's promotion with publish")
    t = text_of(S["rita"].get("/p/" + pub).text)
    check("nació del caso" in t and LESSON_TITLE in t, "no link back to the lesson")
    t = text_of(S["rita"].get("/p/" + S["lesson"]).text)
    check("dio lugar al procedimiento" in t and "Regalos: plazos" in t, "the lesson does not link forward")


# ---- 8. following and the inbox ----

def test_follow_page_and_category(srv):
    before = counts(srv)
    json_error(S["rita"].api("POST", "/api/v1/me/follows", {}), 400)
    json_error(S["rita"].api("POST", "/api/v1/me/follows", {"slug": "no-existe"}), 404)
    json_error(S["rita"].api("POST", "/api/v1/me/follows", {"slug": S["proc"], "category": "x"}), 400)
    status(S["rita"].post("/follow", {"category": ""}), 400)
    unchanged(srv, before, "a bad follow")
    r = status(S["rita"].get("/p/" + S["proc"]), 200)
    check('action="/p/%s/follow"' % S["proc"] in r.text, "no follow button")
    redirect_to(S["rita"].post("/p/%s/follow" % S["proc"], {"action": "follow"}), "/p/" + S["proc"])
    redirect_to(S["rita"].post("/p/%s/follow" % S["proc"], {"action": "follow"}), "/p/" + S["proc"])
    check(srv.scalar("SELECT count(*) FROM follows WHERE page_id IS NOT NULL") == 1, "follow stored twice?")
    check("Sigues esta página" in text_of(S["rita"].get("/p/" + S["proc"]).text), "follow state not shown")
    r = status(S["rita"].get("/browse?category=Devoluciones"), 200)
    check('action="/follow"' in r.text, "no follow-category button on /browse")
    loc = redirect_to(S["rita"].post("/follow", {"category": "Devoluciones", "action": "follow"}), "/browse")
    check(loc == "/browse?category=Devoluciones", "back to %r", loc)
    j = S["rita"].api("GET", "/api/v1/me/follows").json()
    check(j == {"pages": [{"slug": S["proc"], "title": PROC_TITLE}], "categories": ["Devoluciones"]},
          "follows: %r", j)


def test_changes_to_followed_in_inbox_until_seen(srv):
    redirect_to(S["rita"].post("/me/seen"), "/me")
    check(S["rita"].api("GET", "/api/v1/me/inbox").json()["changes"] == [], "changes right after seen")
    srv.advance_days(0.01)
    md = S["eva"].api("GET", "/api/v1/pages/" + S["proc"]).json()
    status(S["eva"].api("PUT", "/api/v1/pages/" + S["proc"],
                        {"markdown": md["markdown"] + "\nNota final.\n", "base_rev": md["rev"],
                         "comment": "Nota final"}), 200)
    # A new page in the followed category shows too.
    status(S["eva"].api("PUT", "/api/v1/pages/vales-de-compra",
                        {"title": "Vales de compra", "markdown": "Los vales duran un año.\n",
                         "category": "Devoluciones"}), 201)
    inbox = S["rita"].api("GET", "/api/v1/me/inbox").json()
    got = sorted(c["slug"] for c in inbox["changes"])
    check(got == sorted([S["proc"], "vales-de-compra"]), "changes: %r", inbox["changes"])
    me = status(S["rita"].get("/me"), 200)
    check("Cambios en lo que sigues" in text_of(me.text) and "Nota final" in text_of(me.text), "not in /me")
    check(re.search(r'href="/me">.*?<span class="count">2<', me.text, re.S), "inbox badge is not 2")
    # The editor's own changes are not news to her.
    redirect_to(S["eva"].post("/p/%s/follow" % S["proc"], {"action": "follow"}), "/p/")
    check(S["eva"].api("GET", "/api/v1/me/inbox").json()["changes"] == [], "own edits as changes")
    r = S["rita"].api("POST", "/api/v1/me/inbox/seen", {})
    status(r, 200)
    check(r.json()["changes"] == [], "seen did not clear the changes")
    me = status(S["rita"].get("/me"), 200)
    check(not re.search(r'href="/me">[^<]*<span class="count">', me.text), "badge after seen")
    redirect_to(S["rita"].post("/p/%s/follow" % S["proc"], {"action": "unfollow"}), "/p/")
    check(srv.scalar("SELECT count(*) FROM follows f JOIN users u ON u.id=f.user_id "
                     "WHERE u.username='rita' AND f.page_id IS NOT NULL") == 0, "unfollow")


# ---- feeds ----

def parse_atom(r):
    status(r, 200)
    check((r.header("Content-Type") or "").startswith("application/atom+xml"), "type %r",
          r.header("Content-Type"))
    root = ET.fromstring(r.body)
    check(root.tag == ATOM + "feed", "not an Atom feed: %r", root.tag)
    for req in ("id", "title", "updated"):
        check(root.find(ATOM + req) is not None, "feed without <%s>", req)
    for e in root.findall(ATOM + "entry"):
        for req in ("id", "title", "updated", "link"):
            check(e.find(ATOM + req) is not None, "entry without <%s>", req)
    return root


def test_public_feed(srv):
    status(srv.client().get("/feed.atom"), 303)  # login needed without --public-read
    # A title full of markup must come out escaped (well-formed XML).
    status(S["eva"].api("PUT", "/api/v1/pages/marcas-y-simbolos",
                        {"title": "Marcas <b> & \"comillas\" ' ]]>", "markdown": "Texto & <más>.\n",
                         "comment": "Con <marcas> & \x7f"}), 400)  # control characters refused
    status(S["eva"].api("PUT", "/api/v1/pages/marcas-y-simbolos",
                        {"title": "Marcas <b> & \"comillas\" ' ]]>", "markdown": "Texto & <más>.\n",
                         "comment": "Con <marcas> & ]]>"}), 201)
    root = parse_atom(S["rita"].get("/feed.atom"))
    titles = [e.find(ATOM + "title").text for e in root.findall(ATOM + "entry")]
    check(any("Marcas <b> & \"comillas\" ' ]]>" in t for t in titles), "titles: %r", titles)
    # Drafts never show.
    check(not any("Devoluciones de regalos" in t for t in titles), "a draft is in the public feed")


def test_secret_feed(srv):
    r = status(S["tom"].post("/me/feed", {"action": "new"}), 200)
    m = re.search(r"(http://[^<\s]+/feed/([A-Za-z0-9_-]{43})\.atom)", r.text)
    check(m, "no feed link shown: %s", text_of(r.text)[:500])
    token = m.group(2)
    stored = srv.scalar("SELECT feed_token_hash FROM users WHERE username='tom'")
    check(stored is not None and token.encode() not in bytes(stored), "the token is stored in clear")
    anon = srv.client()
    root = parse_atom(anon.get("/feed/%s.atom" % token))
    entries = root.findall(ATOM + "entry")
    inbox = S["tom"].api("GET", "/api/v1/me/inbox").json()
    check(len(entries) == inbox["count"], "feed entries %d != inbox count %d", len(entries), inbox["count"])
    status(anon.get("/feed/%s.atom" % ("A" * 43)), 404)
    status(anon.get("/feed/%s" % token), 404)
    status(anon.get("/feed/x.atom"), 404)
    # /me does not show the token again; a new one replaces it; revoking ends it.
    check(token not in S["tom"].get("/me").text, "the token is shown again on /me")
    r = status(S["tom"].post("/me/feed", {"action": "new"}), 200)
    token2 = re.search(r"/feed/([A-Za-z0-9_-]{43})\.atom", r.text).group(1)
    check(token2 != token, "the new token is the old one")
    status(anon.get("/feed/%s.atom" % token), 404)
    parse_atom(anon.get("/feed/%s.atom" % token2))
    # Anything but the form's two buttons changes nothing: the link works on.
    before = counts(srv)
    held = srv.scalar("SELECT feed_token_hash FROM users WHERE username='tom'")
    for body in ({}, {"action": ""}, {"action": "nuevo"}, {"action": "revoke "}):
        status(S["tom"].post("/me/feed", body), 400)
    check(srv.scalar("SELECT feed_token_hash FROM users WHERE username='tom'") == held,
          "a request that was neither new nor revoke replaced the feed link")
    unchanged(srv, before, "feed requests with no known action")
    parse_atom(anon.get("/feed/%s.atom" % token2))
    status(S["tom"].post("/me/feed", {"action": "revoke"}), 200)
    status(anon.get("/feed/%s.atom" % token2), 404)
    check(srv.scalar("SELECT feed_token_hash FROM users WHERE username='tom'") is None, "not revoked")
    # An editor's feed carries the review queue too.
    status(S["sol"].post("/p/%s/submit" % "devoluciones-de-regalos"), 303)
    r = status(S["eva"].post("/me/feed", {"action": "new"}), 200)
    t = re.search(r"/feed/([A-Za-z0-9_-]{43})\.atom", r.text).group(1)
    root = parse_atom(anon.get("/feed/%s.atom" % t))
    check(any("Devoluciones de regalos" in e.find(ATOM + "title").text for e in root.findall(ATOM + "entry")),
          "the review queue is not in an editor's feed")


# ---- 9. audit ----

def test_audit_log(srv):
    # A login failure and a role change are audited.
    status(srv.client().post("/login", {"username": "rita", "password": "mal"}), 401)
    status(S["eva"].get("/admin/users"), 403)
    status(S["eva"].post("/admin/users/%d" % srv.scalar("SELECT id FROM users WHERE username='rita'"),
                         {"action": "role", "role": "admin"}), 403)
    check(srv.scalar("SELECT role FROM users WHERE username='rita'") == "reader", "an editor changed a role")
    status(S["eva"].get("/admin/audit"), 403)
    json_error(S["ana"].api("GET", "/api/v1/audit"), 403)
    rita = srv.scalar("SELECT id FROM users WHERE username='rita'")
    status(S["root"].get("/admin/users"), 200)
    redirect_to(S["root"].post("/admin/users/%d" % rita, {"action": "role", "role": "staff"}), "/admin/users")
    r = status(S["root"].get("/admin/audit"), 200)
    t = text_of(r.text)
    for a in ("login.failed", "user.role", "page.verify", "page.approve", "flag.create"):
        check(a in t, "%s not in the audit page", a)
    r = status(S["root"].get("/admin/audit?action=page.verify"), 200)
    rows = [t for c, t in parse(r.text).rows][1:]
    check(rows and all("page.verify" in x for x in rows), "filter by action: %r", rows[:3])
    j = S["root"].api("GET", "/api/v1/audit?user=tom&action=page.verify").json()
    check(len(j["audit"]) == 1 and j["audit"][0]["user"] == "tom", "filter by user: %r", j)
    j = S["root"].api("GET", "/api/v1/audit?from=2000-01-01&to=2000-01-02").json()
    check(j["audit"] == [], "date range: %r", j)
    json_error(S["root"].api("GET", "/api/v1/audit?from=ayer"), 400)
    status(S["root"].get("/admin/audit?to=2026-13-40"), 400)
    # Pages of 50.
    n = srv.scalar("SELECT count(*) FROM audit")
    r = status(S["root"].get("/admin/audit"), 200)
    check(len(parse(r.text).rows) - 1 == min(n, 50), "first page size")
    if n > 50:
        check('name="page" value="2"' in r.text, "no next page")
        r = status(S["root"].get("/admin/audit?page=2"), 200)
        check(len(parse(r.text).rows) - 1 == min(n - 50, 50), "second page size")
    # The pager keeps the filter: 60 lines of one action are two pages of it.
    d = srv.db()
    with d:
        d.executemany("INSERT INTO audit(at, action, target) VALUES (?, 'prueba.relleno', ?)",
                      [(1000 + i, "t%d" % i) for i in range(60)])
    d.close()

    def nav(html):
        m = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', html, re.S)
        return m.group(1) if m else ""
    r = status(S["root"].get("/admin/audit?action=prueba.relleno"), 200)
    n1 = nav(r.text)
    check(len(parse(r.text).rows) - 1 == 50 and "Página 1" in n1 and "Más antiguas" in n1
          and "Más recientes" not in n1 and n1.count('name="action" value="prueba.relleno"') == 1
          and 'name="page" value="2"' in n1, "first page's pager: %r", n1)
    r = status(S["root"].get("/admin/audit?action=prueba.relleno&page=2"), 200)
    n2 = nav(r.text)
    check(len(parse(r.text).rows) - 1 == 10 and "Página 2" in n2 and "Más recientes" in n2
          and "Más antiguas" not in n2 and 'name="page" value="1"' in n2
          and 'name="action" value="prueba.relleno"' in n2, "second page's pager: %r", n2)
    # One page: no pager.
    r = status(S["root"].get("/admin/audit?action=prueba.relleno&user=nadie"), 200)
    check(nav(r.text) == "", "a pager on a single page: %r", nav(r.text))


# ---- history, queue order, HTML validity ----

def test_history_shows_events(srv):
    r = status(S["rita"].get("/p/%s/history" % S["lesson"]), 200)
    t = text_of(r.text)
    for label in ("Creada", "Enviada a revisión", "Devuelta para cambios", "Aprobada", RETURN_COMMENT):
        check(label in t, "%r not in the lesson's history", label)
    t = text_of(status(S["rita"].get("/p/%s/history" % S["proc"]), 200).text)
    for label in ("Cuestionada por un caso", "Actualizada a partir de un caso", "Caso descartado",
                  "Propuesta aceptada", "Propuesta rechazada", "Verificada", "Aviso resuelto"):
        check(label in t, "%r not in the procedure's history", label)
    j = S["rita"].api("GET", "/api/v1/pages/%s/events" % S["lesson"]).json()
    check([e["action"] for e in j["events"]][::-1][:5] == ["create", "submit", "return", "submit", "approve"],
          "events: %r", [e["action"] for e in j["events"]])


def test_review_queue_oldest_first(srv):
    for t in ("Primero", "Segundo"):
        r = S["tom"].post("/new", {"kind": "lesson", "title": "Caso " + t, "markdown": "x\n"})
        s = slug_of(r)
        srv.advance_days(0.001)
        redirect_to(S["tom"].post("/p/%s/submit" % s), "/p/")
    q = S["eva"].api("GET", "/api/v1/review").json()
    titles = [x["title"] for x in q["lessons"]]
    check(titles.index("Caso Primero") < titles.index("Caso Segundo"), "not oldest first: %r", titles)


def test_pages_are_valid_html(srv):
    from util import ensure_tidy, tidy
    if not ensure_tidy():
        raise AssertionError("tidy is not installed")
    pid = srv.scalar("SELECT max(id) FROM proposals")
    pages = [
        ("eva", "/review"), ("eva", "/p/" + S["proc"]), ("ana", "/p/" + S["proc"]),
        ("tom", "/p/" + S["proc"]), ("rita", "/p/" + S["proc"]), ("sol", "/p/" + S["lesson"]),
        ("eva", "/p/%s/history" % S["proc"]), ("ana", "/p/%s/settings" % S["proc"]),
        ("eva", "/p/%s/proposals/%d" % (S["proc"], pid)), ("sol", "/me"), ("eva", "/me"),
        ("tom", "/me"), ("root", "/admin/audit"), ("ana", "/admin/templates"), ("eva", "/"),
        ("rita", "/browse?kind=lesson"), ("rita", "/browse?category=Devoluciones"),
        ("eva", "/p/" + S["lesson2"]),
    ]
    problems = []
    for who, path in pages:
        r = S[who].get(path)
        if r.status != 200:
            problems.append("%s %s: %d" % (who, path, r.status))
            continue
        try:
            # browse.html marks the chosen kind chip with aria-current, a
            # global ARIA attribute tidy 5.6 does not know yet.
            tidy(r.text, allowed=[r'<button> proprietary attribute "aria-current"'])
        except AssertionError as e:
            problems.append("%s %s: %s" % (who, path, e))
    check(not problems, "\n".join(problems))
