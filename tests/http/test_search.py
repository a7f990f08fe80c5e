"""Search over HTTP (issue #4): hostile queries through /search and
/api/v1/search (200, never 500; an over-long query is a clear 400),
escaped snippets with <mark>, the kind/category/tag filters, who sees
drafts, pages in review and archived pages, an edit findable at once,
the any-word fallback, "¿Quisiste decir…?", /api/v1/suggest, and the
search_log rows (normalised query, hits, no user unless serve
--log-search-users, the server's clock).
"""
import os
import re
import tempfile
import time
import urllib.parse

from util import check, json_error, status

S = {}

# Imported in setup: (file name, front matter, body).
FILES = [
    ("devolucion-fuera-de-plazo.md", "kind: procedure\ncategory: Caja\ntags: [devoluciones, plazos]",
     "# Devolución fuera de plazo\n\nCuando el cliente trae un producto fuera de plazo (más de "
     "30 días), el encargado puede aceptar la devolución con un vale.\n\n"
     "- [ ] Revisar el ticket\n- [ ] Anotar el motivo\n"),
    ("cambio-de-talla.md", "kind: procedure\ncategory: Tienda\ntags: [cambios]",
     "# Cambio de talla\n\nLos cambios de talla se hacen sin ticket. La devolución del "
     "importe no procede en rebajas.\n"),
    ("cliente-enfadado.md", "kind: lesson\ncategory: Caja\ntags: [lecciones]",
     "# Cliente enfadado en caja\n\nUn cliente quería la devolución de unas botas usadas. "
     "Le ofrecimos un vale y se fue contento.\n"),
    ("reembolso-con-tarjeta.md", "kind: reference\ncategory: Caja\ntags: [pagos]",
     "# Reembolso con tarjeta\n\nEl reembolso se hace siempre a la misma tarjeta. Nunca en "
     "efectivo.\n"),
    ("garantia-antigua.md", "kind: procedure\ncategory: Caja\nstatus: archived",
     "# Garantía antigua\n\nLa garantía antigua de los hornos era de un año.\n"),
]


def front(fm, body):
    return "---\n%s\n---\n%s" % (fm, body)


def setup(srv):
    srv.add_user("edu", "editor")
    srv.add_user("mara", "manager")
    srv.add_user("sam", "staff")
    srv.add_user("otto", "staff")
    srv.add_user("rita", "reader")
    d = tempfile.mkdtemp(prefix="oficio-search-import-", dir=srv.dir)
    for name, fm, body in FILES:
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(front(fm, body))
    srv.cli("import", d)


def api_search(c, q, **params):
    params["q"] = q
    r = c.get("/api/v1/search?" + urllib.parse.urlencode(params))
    status(r, 200)
    j = r.json()
    check(isinstance(j.get("total"), int) and isinstance(j.get("results"), list),
          "search shape for %r: %r", q, j)
    return j


def slugs(j):
    return [x["slug"] for x in j["results"]]


def test_login(srv):
    for name in ("edu", "mara", "sam", "otto", "rita"):
        c = srv.client()
        r = c.login(name)
        status(r, 303)
        S[name] = c
    S["edu_api"] = srv.client(token=srv.token("edu"))
    S["sam_api"] = srv.client(token=srv.token("sam"))


def test_imported_pages_are_found(srv):
    j = api_search(S["rita"], "devoluciones fuera de plazo")
    check(slugs(j)[:1] == ["devolucion-fuera-de-plazo"], "first: %r", slugs(j))
    check(j["fallback"] is False, "not a fallback: %r", j)
    # Accents, case and plurals are forgiven.
    j = api_search(S["rita"], "DEVOLUCION FUERA DE PLAZOS")
    check(slugs(j)[:1] == ["devolucion-fuera-de-plazo"], "folded: %r", slugs(j))
    for key in ("slug", "title", "kind", "snippet", "score"):
        check(key in j["results"][0], "result lacks %r: %r", key, j["results"][0])


HOSTILE = [
    '"', '"devolucion', 'devolucion"', '""',
    "(", ")", "(devolucion", "devolucion)", "((()))",
    ":", "title:devolucion", "{title}:x", "body:",
    "^", "^devolucion",
    "*", "**", "* *", "-*",
    "NEAR", "NEAR(devolucion plazo)", "NEAR/2", "devolucion NEAR plazo",
    "AND", "OR", "NOT", "AND AND", "devolucion AND", "OR devolucion", "NOT devolucion",
    "-", "--", "- -", "-devolucion",
    "'; DROP TABLE pages; --", "\\", "%", "%%", "\u00ad", "\u200b",
    "devoluci\u0301n", "\U0001F600 devolucion",
    "!@#$%^&*()_+{}|:\"<>?~`-=[]\\;',./",
]


def test_hostile_queries_api(srv):
    for q in HOSTILE:
        api_search(S["rita"], q)


def test_hostile_queries_html(srv):
    for q in HOSTILE:
        r = S["rita"].get("/search?" + urllib.parse.urlencode({"q": q}))
        status(r, 200)
        check("<h1>" in r.text, "no page for %r", q)


def test_2000_characters_of_punctuation(srv):
    punct = "\"()*:^-{}[]!?.,;<>&|~+=/\\'"
    q = "".join(punct[i % len(punct)] for i in range(2000))
    j = api_search(S["rita"], q)
    check(j["total"] == 0 and j["results"] == [], "punctuation found something: %r", j)
    status(S["rita"].get("/search?" + urllib.parse.urlencode({"q": q})), 200)
    # 2,000 bytes of words and operators: answered, and fast.
    q = " ".join(["devolucion", "OR", "-plazo", "NEAR", "\"vale", "(ticket", "AND", "x*"] * 60)[:2000]
    t = time.time()
    api_search(S["rita"], q)
    check(time.time() - t < 2, "a 2,000-byte query took %.1f s", time.time() - t)


def test_overlong_query_is_400(srv):
    q = "a" * 2001
    j = json_error(S["rita"].get("/api/v1/search?" + urllib.parse.urlencode({"q": q})), 400)
    check("larga" in j["message"] or "long" in j["message"], "unclear message: %r", j)
    r = S["rita"].get("/search?" + urllib.parse.urlencode({"q": q}))
    status(r, 400)
    check("demasiado larga" in r.text, "the HTML 400 does not say why: %s", r.text[:500])
    j = json_error(S["rita"].get("/api/v1/suggest?" + urllib.parse.urlencode({"q": "b" * 201})),
                   400)


def test_snippet_escapes_page_text(srv):
    md = ("Texto de prueba de escapado con `<b>x</b>` y `<script>alert(1)</script>` "
          "& \"comillas\" dentro.\n")
    r = S["edu_api"].api("PUT", "/api/v1/pages/escapado",
                         {"title": "Página con marcas", "kind": "reference", "markdown": md})
    status(r, 201)
    j = api_search(S["rita"], "prueba de escapado")
    check(slugs(j)[:1] == ["escapado"], "escapado not found: %r", slugs(j))
    snip = j["results"][0]["snippet"]
    check("<b>" not in snip and "<script" not in snip, "raw markup in snippet: %r", snip)
    check("&lt;b&gt;x&lt;/b&gt;" in snip and "&lt;script&gt;" in snip, "not escaped: %r", snip)
    # Each word marked, or the words typed together as one phrase.
    marked = " ".join(re.findall(r"<mark>(.*?)</mark>", snip))
    check("prueba" in marked and "escapado" in marked, "matches not marked: %r", snip)
    rest = snip.replace("<mark>", "").replace("</mark>", "")
    check("<" not in rest and ">" not in rest, "markup other than <mark>: %r", snip)
    # The HTML page shows the same escaped text.
    r = status(S["rita"].get("/search?q=prueba+de+escapado"), 200)
    check("<b>x</b>" not in r.text and "<script>alert" not in r.text, "raw markup in page")
    check("&lt;b&gt;x&lt;/b&gt;" in r.text and "&lt;script&gt;" in r.text, "not escaped in page")
    check(re.search(r"<mark>prueba( de escapado)?</mark>", r.text), "no <mark> in the page")


def test_filters(srv):
    j = api_search(S["rita"], "devolucion")
    check(set(slugs(j)) >= {"devolucion-fuera-de-plazo", "cambio-de-talla", "cliente-enfadado"},
          "devolucion: %r", slugs(j))
    j = api_search(S["rita"], "devolucion", kind="lesson")
    check(slugs(j) == ["cliente-enfadado"], "kind=lesson: %r", slugs(j))
    j = api_search(S["rita"], "devolucion", category="Tienda")
    check(slugs(j) == ["cambio-de-talla"], "category=Tienda: %r", slugs(j))
    j = api_search(S["rita"], "devolucion", tag="plazos")
    check(slugs(j) == ["devolucion-fuera-de-plazo"], "tag=plazos: %r", slugs(j))
    j = api_search(S["rita"], "devolucion", kind="procedure", category="Caja")
    check(slugs(j) == ["devolucion-fuera-de-plazo"], "kind+category: %r", slugs(j))
    j = api_search(S["rita"], "devolucion", tag="no-existe")
    check(j["total"] == 0, "unknown tag: %r", j)
    # The HTML form's filters too.
    r = status(S["rita"].get("/search?q=devolucion&kind=lesson"), 200)
    check("/p/cliente-enfadado" in r.text and "/p/cambio-de-talla" not in r.text,
          "HTML kind filter")


def test_drafts_and_reviews_are_private(srv):
    r = S["sam_api"].api("PUT", "/api/v1/pages/borrador-garantia",
                         {"title": "Borrador garantía extendida", "kind": "procedure",
                          "markdown": "La garantía extendida de lavadoras cubre dos años.\n"})
    status(r, 201)
    check(r.json()["status"] == "draft", "staff's new page: %r", r.json()["status"])
    r = S["sam_api"].api("PUT", "/api/v1/pages/garantia-en-revision",
                         {"title": "Garantía de lavadoras en revisión", "kind": "procedure",
                          "markdown": "Garantía de tres años en lavadoras y secadoras.\n"})
    status(r, 201)
    # In review: the lifecycle's submit is not what is tested here.
    c = srv.db()
    c.execute("UPDATE pages SET status = 'in_review' WHERE slug = 'garantia-en-revision'")
    c.commit()
    c.close()
    want = {"borrador-garantia", "garantia-en-revision"}
    for who in ("rita", "otto"):
        j = api_search(S[who], "garantia lavadoras")
        check(not want & set(slugs(j)), "%s sees %r", who, slugs(j))
        r = status(S[who].get("/search?q=garantia+lavadoras"), 200)
        check("/p/borrador-garantia" not in r.text and "/p/garantia-en-revision" not in r.text,
              "%s sees a private page in HTML", who)
        # Not through a suggestion or the title suggestions either.
        j = api_search(S[who], "lavadoraz")
        check(j["suggestion"] is None, "%s is offered a private word: %r", who, j)
        r = status(S[who].get("/api/v1/suggest?q=garant"), 200)
        check(not want & {x["slug"] for x in r.json()["results"]}, "%s suggest: %r", who,
              r.json())
    for who in ("sam", "edu", "mara"):
        j = api_search(S[who], "garantia lavadoras")
        check(want <= set(slugs(j)), "%s does not see both: %r", who, slugs(j))


def test_archived_only_when_asked_by_a_manager(srv):
    for who in ("rita", "sam", "edu", "mara"):
        j = api_search(S[who], "garantia hornos")
        check("garantia-antigua" not in slugs(j), "%s sees the archived page: %r", who, slugs(j))
    for who in ("rita", "sam", "edu"):
        j = api_search(S[who], "garantia hornos", status="archived")
        check(j["total"] == 0, "%s gets archived pages: %r", who, slugs(j))
    j = api_search(S["mara"], "garantia hornos", status="archived")
    check(slugs(j) == ["garantia-antigua"], "manager, status=archived: %r", slugs(j))


def test_edit_is_findable_at_once(srv):
    e = S["edu_api"]
    r = e.api("PUT", "/api/v1/pages/arqueo", {"title": "Arqueo de caja", "kind": "procedure",
                                               "markdown": "Contar los billetes con la "
                                                           "calculadora azul.\n"})
    status(r, 201)
    check(slugs(api_search(S["rita"], "calculadora azul")) == ["arqueo"], "new page not found")
    r = e.api("PUT", "/api/v1/pages/arqueo", {"title": "Arqueo de caja", "markdown":
                                               "Contar los billetes con la máquina "
                                               "contadora.\n", "base_rev": 1})
    status(r, 200)
    j = api_search(S["rita"], "maquina contadora")
    check(slugs(j) == ["arqueo"], "new words not found right after the save: %r", slugs(j))
    j = api_search(S["rita"], "calculadora")
    check(j["total"] == 0, "removed word still found: %r", slugs(j))
    j = api_search(S["rita"], "calculadora azul")
    check("arqueo" not in slugs(j), "removed words still found: %r", slugs(j))


def test_a_word_in_the_title_comes_first(srv):
    # One word typed, as at a counter: the page titled with it comes before
    # pages that only say it, even early and often (a glossary).
    e = S["edu_api"]
    status(e.api("PUT", "/api/v1/pages/precinto-de-sacas", {
        "title": "Precinto de sacas", "kind": "procedure", "base_rev": 0,
        "markdown": "Cada noche las sacas del efectivo se cierran con su precinto numerado. "
                    + "Se anota el número en la hoja de cierre y la firma quien cierra. " * 12}),
        201)
    status(e.api("PUT", "/api/v1/pages/glosario-de-tienda", {
        "title": "Glosario de tienda", "kind": "reference", "base_rev": 0,
        "markdown": "Precinto: la brida numerada. Un precinto roto se anota; el precinto "
                    "nuevo lleva otro número. Sin precinto no sale ninguna saca."}), 201)
    got = slugs(api_search(S["rita"], "precinto"))
    check(got[:2] == ["precinto-de-sacas", "glosario-de-tienda"], "precinto: %r", got)


def test_fallback_flag_and_message(srv):
    # No page has both words; each word is on some page.
    j = api_search(S["rita"], "tarjeta botas")
    check(j["fallback"] is True, "fallback not set: %r", j)
    check(set(slugs(j)) == {"reembolso-con-tarjeta", "cliente-enfadado"}, "any word: %r",
          slugs(j))
    r = status(S["rita"].get("/search?q=tarjeta+botas"), 200)
    check("Ninguna página tenía todas las palabras" in r.text, "no fallback notice")
    # Every word somewhere on one page: no fallback.
    j = api_search(S["rita"], "tarjeta efectivo")
    check(j["fallback"] is False and slugs(j) == ["reembolso-con-tarjeta"], "%r", j)
    r = status(S["rita"].get("/search?q=tarjeta+efectivo"), 200)
    check("Ninguna página tenía todas las palabras" not in r.text, "notice without fallback")
    # Nothing at all: not a fallback, and the page says nothing was found.
    j = api_search(S["rita"], "zapatillas deportivas")
    check(j["fallback"] is False and j["total"] == 0, "%r", j)
    r = status(S["rita"].get("/search?q=zapatillas+deportivas"), 200)
    check("No encontramos nada" in r.text, "no 'nothing found' message")


def test_did_you_mean(srv):
    j = api_search(S["rita"], "reenbolso tarjeta")
    check(j["suggestion"] == "reembolso tarjeta", "suggestion: %r", j)
    j = api_search(S["rita"], "devolucoin")
    check(j["suggestion"] == "devolucion", "suggestion: %r", j)
    r = status(S["rita"].get("/search?q=devolucoin"), 200)
    check("¿Quisiste decir" in r.text and "devolucion" in r.text, "no suggestion in the page")
    # A correct query gets none.
    j = api_search(S["rita"], "reembolso")
    check(j["suggestion"] is None, "suggestion for a known word: %r", j)


def test_suggest_titles(srv):
    r = status(S["rita"].get("/api/v1/suggest?q=devol"), 200)
    res = r.json()["results"]
    check([x["slug"] for x in res][:1] == ["devolucion-fuera-de-plazo"], "suggest: %r", res)
    check({"slug", "title", "kind"} <= set(res[0]), "suggest shape: %r", res[0])
    r = status(S["rita"].get("/api/v1/suggest?q=" + urllib.parse.quote("Reembolso con tar")), 200)
    check([x["slug"] for x in r.json()["results"]] == ["reembolso-con-tarjeta"], "%r", r.json())
    # Body words are not titles; one letter is too little.
    r = status(S["rita"].get("/api/v1/suggest?q=efectivo"), 200)
    check(r.json()["results"] == [], "body word suggested: %r", r.json())
    r = status(S["rita"].get("/api/v1/suggest?q=d"), 200)
    check(r.json()["results"] == [], "one letter: %r", r.json())
    for q in HOSTILE:
        status(S["rita"].get("/api/v1/suggest?" + urllib.parse.urlencode({"q": q})), 200)


def test_search_log(srv):
    # Searches are queued and written every ten seconds; the gaps report writes
    # the queue at once, so what earlier tests searched is gone after this.
    status(S["mara"].api("GET", "/api/v1/reports/gaps"), 200)
    c = srv.db()
    c.execute("DELETE FROM search_log")
    c.commit()
    c.close()
    srv.advance_days(10)
    now = time.time() + 10 * 86400
    api_search(S["rita"], "  Devolución   FUERA de plazo ")
    api_search(S["sam"], "zapatillas deportivas")
    api_search(S["rita"], "tarjeta botas")
    status(S["rita"].get("/search?q=Reembolso"), 200)
    status(S["rita"].get("/api/v1/suggest?q=reem"), 200)   # not a search
    # Searches are queued and written by a timer every ten seconds.
    for _ in range(300):
        rows = srv.query("SELECT query, hits, user_id, at FROM search_log ORDER BY id")
        if len(rows) >= 4:
            break
        time.sleep(0.05)
    time.sleep(0.2)   # nothing more comes
    rows = srv.query("SELECT query, hits, user_id, at FROM search_log ORDER BY id")
    check([r[:3] for r in rows] == [
        ("devolucion fuera de plazo", 1, None),
        ("zapatillas deportivas", 0, None),
        ("tarjeta botas", 2, None),
        ("reembolso", 1, None),
    ], "search_log: %r", rows)
    for r in rows:
        check(abs(r[3] - now) < 120, "logged at %r, the server's clock says %r", r[3], now)


def restart(srv, extra):
    """Restart the server with extra arguments after its own ([] for none)."""
    srv.stop()
    srv.args = [a for a in srv.args if a not in getattr(srv, "extra_args", [])] + extra
    srv.extra_args = extra
    srv.start()


def test_search_log_users_when_the_admin_enables_it(srv):
    # serve --log-search-users: the rows name who searched, searches
    # answered from the cache too; without it (the default, above), none.
    # One loop, so that the repeated search is answered from its cache.
    extra = ["--log-search-users", "--threads", "1"]
    restart(srv, extra)
    try:
        status(S["mara"].api("GET", "/api/v1/reports/gaps"), 200)   # writes the queue
        c = srv.db()
        c.execute("DELETE FROM search_log")
        c.commit()
        c.close()
        api_search(S["rita"], "tarjeta botas")
        api_search(S["rita"], "tarjeta botas")   # the same search, from the cache
        api_search(S["sam"], "tarjeta botas")    # another user: a search of its own
        api_search(S["sam_api"], "zapatillas")   # an API token counts as its user
        status(S["mara"].api("GET", "/api/v1/reports/gaps"), 200)
        ids = dict(srv.query("SELECT username, id FROM users"))
        rows = srv.query("SELECT query, hits, user_id FROM search_log ORDER BY id")
        check(rows == [("tarjeta botas", 2, ids["rita"]), ("tarjeta botas", 2, ids["rita"]),
                       ("tarjeta botas", 2, ids["sam"]), ("zapatillas", 0, ids["sam"])],
              "search_log: %r (users %r)", rows, ids)
    finally:
        restart(srv, [])
    api_search(S["rita"], "tarjeta botas")
    status(S["mara"].api("GET", "/api/v1/reports/gaps"), 200)
    rows = srv.query("SELECT query, user_id FROM search_log ORDER BY id")
    check(rows[-1] == ("tarjeta botas", None), "after turning it off: %r", rows)


def test_repeated_search_from_the_cache(srv):
    # A search made again before any write is answered from the cache: the
    # same bytes, and still a row in search_log with the normalised query
    # and the number of results, as the first had.
    status(S["mara"].api("GET", "/api/v1/reports/gaps"), 200)   # writes the queue
    c = srv.db()
    c.execute("DELETE FROM search_log")
    c.commit()
    c.close()
    url = "/api/v1/search?" + urllib.parse.urlencode({"q": "  Devolución   FUERA de plazo "})
    first, again = S["rita"].get(url), S["rita"].get(url)
    status(first, 200)
    status(again, 200)
    check(again.body == first.body, "cached answer differs: %r / %r",
          first.body[:200], again.body[:200])
    check(again.header("Content-Type").startswith("application/json"), "type: %r",
          again.header("Content-Type"))
    total = first.json()["total"]
    check(total == 1, "total: %r", total)
    # The page keeps its results part: the same twice, then in English
    # for someone reading in English, not the Spanish one kept.
    pages = [status(S["rita"].get("/search?q=Devolucion+fuera+de+plazo"), 200).text
             for _ in range(2)]
    part = [p[p.index('<p class="total"'):p.index("</ol>")] for p in pages]
    check(part[0] == part[1] and "<mark>" in part[0] and "/p/devolucion-fuera-de-plazo" in part[0]
          and "Resultados: 1" in part[0], "page: %r", part)
    en = status(S["rita"].get("/search?q=Devolucion+fuera+de+plazo&lang=en"), 200).text
    check("Results: 1" in en and "Resultados" not in en and "<mark>" in en, "English: %r",
          en[-900:])
    status(S["mara"].api("GET", "/api/v1/reports/gaps"), 200)
    rows = srv.query("SELECT query, hits FROM search_log ORDER BY id")
    check(rows == [("devolucion fuera de plazo", total)] * 5, "search_log: %r", rows)
    # Any write empties it: a new page with those words is found at once.
    r = S["mara"].api("PUT", "/api/v1/pages/plazo-vencido", {
        "title": "Plazo vencido", "kind": "procedure", "base_rev": 0,
        "markdown": "Una devolución fuera de plazo se anota en el libro."})
    check(r.status in (200, 201), "save: %r", r)
    page = status(S["rita"].get("/search?q=Devolucion+fuera+de+plazo"), 200).text
    check("/p/plazo-vencido" in page and "Resultados: 2" in page, "after a save: %r", page[-900:])
    check(api_search(S["rita"], "  Devolución   FUERA de plazo ")["total"] == 2, "API after a save")


def _select(html, name):
    """The options of the page's <select name=NAME>: [(value, selected)], or None."""
    m = re.search(r'<select id="[^"]*" name="%s">(.*?)</select>' % name, html, re.S)
    if not m:
        return None
    return [(v, bool(sel)) for v, sel in
            re.findall(r'<option value="([^"]*)"( selected)?>', m.group(1))]


def _pager(html):
    """The results' pager: (the "Página N de M" text or None, {button: offset})."""
    m = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', html, re.S)
    if not m:
        return None
    nav = m.group(1)
    at = re.search(r"<span>(Página \d+ de \d+)</span>", nav)
    buttons = dict((label, int(v)) for v, label in
                   re.findall(r'<button type="submit" name="offset" value="(\d+)">([^<]+)</button>', nav))
    return at.group(1) if at else None, buttons, nav


def test_search_page_filters_and_pages(srv):
    # The page's form has every filter the API has: kind, category, tag,
    # and for staff up the status (archived for managers); a chosen one
    # stays chosen. Results past the first page are reached by buttons
    # that keep the query and its filters.
    page = status(S["rita"].get("/search?q=devolucion&tag=devoluciones"), 200).text
    tags = _select(page, "tag")
    check(tags and tags[0] == ("", False) and ("devoluciones", True) in tags
          and ("cambios", False) in tags, "reader's tag filter: %r", tags)
    check(_select(page, "status") is None, "a reader is offered a status filter")
    check('<details class="search-filters" open>\n<summary>Filtros (1)</summary>' in page,
          "the filters in use are folded away: %r", page[:3000])
    bare = status(S["rita"].get("/search?q=devolucion"), 200).text
    check('<details class="search-filters">\n<summary>Filtros</summary>' in bare,
          "the filters are not folded away when none is set")
    want = slugs(api_search(S["rita"], "devolucion", tag="devoluciones"))
    got = re.findall(r'<h2><a href="/p/([^"]+)">', page)
    check(got == want and want, "tag filter: page %r, API %r", got, want)
    # A tag no visible page has (a link from before an edit) still shows as chosen.
    gone = _select(status(S["rita"].get("/search?q=devolucion&tag=nadie-la-usa"), 200).text, "tag")
    check(("nadie-la-usa", True) in gone and sum(sel for _, sel in gone) == 1,
          "a tag filter with no pages: %r", gone)
    sam = _select(status(S["sam"].get("/search?q=devolucion&status=draft"), 200).text, "status")
    check(sam == [("", False), ("published", False), ("draft", True), ("in_review", False)],
          "staff's status filter: %r", sam)
    page = status(S["mara"].get("/search?q=garantia&status=archived"), 200).text
    check(("archived", True) in (_select(page, "status") or []) and "/p/garantia-antigua" in page,
          "a manager's archived search: %r", page[-1500:])
    # Pages of results, one result a page.
    total = api_search(S["rita"], "devolucion")["total"]
    check(total >= 3, "too few results to page through: %d", total)
    first = status(S["rita"].get("/search?q=devolucion&limit=1&kind=procedure"), 200).text
    ktotal = api_search(S["rita"], "devolucion", kind="procedure")["total"]
    at, buttons, nav = _pager(first)
    check(at == "Página 1 de %d" % ktotal and buttons == {"Siguientes": 1}, "first page: %r", nav)
    check('<input type="hidden" name="q" value="devolucion">' in nav
          and '<input type="hidden" name="kind" value="procedure">' in nav
          and '<input type="hidden" name="limit" value="1">' in nav
          and 'name="category"' not in nav, "the pager's form loses the search: %r", nav)
    last = status(S["rita"].get("/search?q=devolucion&limit=1&kind=procedure&offset=%d"
                                % (ktotal - 1)), 200).text
    at, buttons, nav = _pager(last)
    check(at == "Página %d de %d" % (ktotal, ktotal) and buttons == {"Anteriores": ktotal - 2},
          "last page: %r", nav)
    want = slugs(api_search(S["rita"], "devolucion", kind="procedure", limit=1,
                            offset=ktotal - 1))
    check(re.findall(r'<h2><a href="/p/([^"]+)">', last) == want, "last page's result: %r", want)
    if ktotal >= 3:
        at, buttons, nav = _pager(status(S["rita"].get(
            "/search?q=devolucion&limit=1&kind=procedure&offset=1"), 200).text)
        check(at == "Página 2 de %d" % ktotal and buttons == {"Anteriores": 0, "Siguientes": 2},
              "second page: %r", nav)
    # Every filter rides along, past the end too (back to the last page).
    at, buttons, nav = _pager(status(S["sam"].get(
        "/search?q=devolucion&limit=1&offset=99&tag=devoluciones&category=Caja&status=published"),
        200).text)
    for name, value in (("tag", "devoluciones"), ("category", "Caja"), ("status", "published"),
                        ("limit", "1"), ("q", "devolucion")):
        check('<input type="hidden" name="%s" value="%s">' % (name, value) in nav,
              "the pager drops %s: %r", name, nav)
    past = status(S["rita"].get("/search?q=devolucion&limit=1&offset=%d" % (total + 5)), 200).text
    at, buttons, nav = _pager(past)
    check(at is None and buttons == {"Anteriores": total - 1} and "No hay más resultados" in past,
          "past the end: %r", nav)
    # Twenty a page: no pager when they fit.
    check(_pager(status(S["rita"].get("/search?q=devolucion"), 200).text) is None or total > 20,
          "a pager for %d results", total)
    # The suggested spelling keeps the filters too.
    page = status(S["rita"].get("/search?q=devolucoin&kind=procedure&tag=devoluciones"), 200).text
    m = re.search(r'<form class="didyou".*?</form>', page, re.S)
    check(m and '<input type="hidden" name="kind" value="procedure">' in m.group(0)
          and '<input type="hidden" name="tag" value="devoluciones">' in m.group(0),
          "did-you-mean drops the filters: %r", m and m.group(0))


def test_cache_keys_do_not_collide(srv):
    # Two different searches whose fields, joined by the cache key's
    # separator, read the same must not share an answer: on one loop, the
    # second would be answered from the first's entry.
    restart(srv, ["--threads", "1"])
    try:
        first = api_search(S["edu"], "\x1fdevolucion", kind="procedure", category="Caja")
        check(first["total"] >= 1, "the first search finds nothing: %r", first)
        second = api_search(S["edu"], "devolucion", kind="procedure\x1fCaja")
        check(second["total"] == 0, "a search answered with another's results: %r", second)
    finally:
        restart(srv, [])


def test_verified_age_in_words(srv):
    # How long ago a result was verified reads as people say it: days up
    # to two months, then months, then "over a year", then years.
    status(S["mara"].api("POST", "/api/v1/pages/escapado/verify", {}), 200)
    gone = 0
    for days, said in ((20, "hace 20 d"), (130, "hace 4 meses"),
                       (400, "hace más de un año"), (800, "hace 2 años")):
        srv.advance_days(days - gone)
        gone = days
        c = srv.client()   # sessions do not last that long
        status(c.login("rita"), 303)
        r = status(c.get("/search?q=prueba+de+escapado"), 200)
        check(said in r.text, "verified %d days ago: %r not on the page", days, said)
