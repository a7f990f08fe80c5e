"""Bad input through the HTML forms and URLs: every case gets a clear 4xx
(never a 500, never a crash), and the database shows that nothing was
stored or changed.
"""
import html
import re
import urllib.parse

from util import (check, error_text, form_values, inline_scripts, offers_create, parse,
                  redirect_to, slug_of, status, textarea, timed, unsafe_urls)

S = {}
SLUG = "arqueo-de-caja"
MD1 = "Contar la caja al cerrar.\n\n- [ ] Contar billetes\n- [ ] Contar monedas\n"


def setup(srv):
    srv.add_user("edu", "editor", display="Eduardo")
    srv.add_user("sam", "staff", display="Samuel")
    srv.add_user("rita", "reader", display="Rita")
    srv.add_user("ada", "admin", display="Ada")


def snapshot(srv):
    """Everything a bad request must leave alone."""
    return (srv.query("SELECT id, slug, title, kind, category, status, current_rev FROM pages "
                      "ORDER BY id"),
            srv.query("SELECT page_id, n, title, markdown FROM revisions ORDER BY page_id, n"),
            srv.query("SELECT page_id, tag FROM page_tags ORDER BY page_id, tag"),
            srv.query("SELECT id, page_id, status FROM proposals ORDER BY id"))


def unchanged(srv, before, what):
    after = snapshot(srv)
    check(after == before, "%s changed the database:\nbefore %r\nafter  %r", what, before, after)


def alive(srv):
    check(srv.proc.poll() is None, "the server died")
    status(srv.client().get("/healthz"), 200)


def new_form(c, **kw):
    f = {"kind": "procedure", "title": "Página", "markdown": "Texto.\n", "category": "",
         "tags": "", "publish": "1"}
    f.update(kw)
    return f


def test_login_everyone(srv):
    for name in ("edu", "sam", "rita"):
        c = srv.client()
        redirect_to(c.login(name), "/")
        check(c.csrf, "%s has no CSRF token", name)
        S[name] = c
    r = S["edu"].post("/new", new_form(S["edu"], title="Arqueo de caja", markdown=MD1,
                                       category="Caja", tags="cierre"))
    check(slug_of(r) == SLUG, "slug %r", slug_of(r))


def test_unknown_page_is_404_with_create_offer(srv):
    r = status(S["edu"].get("/p/protocolo-de-quejas"), 404)
    check(offers_create(r.text, "Protocolo de quejas"),
          "the 404 page offers no way to create the page:\n%s", r.text[-1500:])
    r = status(S["sam"].get("/p/protocolo-de-quejas"), 404)
    check(offers_create(r.text), "staff may write pages: the 404 should offer to create it")
    r = status(S["rita"].get("/p/protocolo-de-quejas"), 404)
    check(not offers_create(r.text), "a reader cannot create pages, but is offered to")
    for path in ("/p/protocolo-de-quejas/history", "/p/protocolo-de-quejas/r/1",
                 "/p/protocolo-de-quejas/diff", "/p/protocolo-de-quejas/edit"):
        status(S["edu"].get(path), 404)
    check(srv.scalar("SELECT count(*) FROM pages WHERE slug = 'protocolo-de-quejas'") == 0,
          "visiting a missing page created it")


def test_body_over_2_mib_is_413(srv):
    before = snapshot(srv)
    big = "a" * (2 * 1024 * 1024 + 10)
    e = S["edu"]
    status(e.post("/new", new_form(e, title="Enorme", markdown=big)), 413)
    status(e.post("/p/%s/edit" % SLUG, {"title": "Arqueo de caja", "markdown": big,
                                         "base_rev": "1"}), 413)
    r = e.api("PUT", "/api/v1/pages/enorme", {"title": "Enorme", "markdown": big})
    status(r, 413)
    unchanged(srv, before, "a body over 2 MiB")
    alive(srv)


def test_wrong_method_is_405_with_allow(srv):
    e = S["edu"]
    cases = [("DELETE", "/p/x", {"GET"}), ("PUT", "/login", {"GET", "POST"}),
             ("DELETE", "/p/%s" % SLUG, {"GET"}), ("PUT", "/new", {"GET", "POST"}),
             ("POST", "/p/%s/history" % SLUG, {"GET"}), ("DELETE", "/", {"GET"}),
             ("POST", "/healthz", {"GET"})]
    before = snapshot(srv)
    for method, path, must in cases:
        r = e.request(method, path, body=b"" if method != "GET" else None)
        status(r, 405)
        allow = {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}
        check(must <= allow, "%s %s: Allow %r should include %r", method, path, allow, must)
        check(method not in allow, "%s %s: Allow %r lists the refused method", method, path,
              allow)
    unchanged(srv, before, "a wrong method")


def test_csrf_on_new(srv):
    before = snapshot(srv)
    e = S["edu"]
    form = new_form(e, title="Sin token")
    r = e.request("POST", "/new", body=dict(form))         # no csrf field at all
    status(r, 403)
    for bad in ("", "x", "A" * 43, S["sam"].csrf):
        status(e.post("/new", dict(form, csrf=bad)), 403)
    unchanged(srv, before, "POST /new without a valid CSRF token")


def test_csrf_on_edit(srv):
    e = S["edu"]
    r = status(e.get("/p/%s/edit" % SLUG), 200)
    f = form_values(r.text, "/p/%s/edit" % SLUG)
    f["markdown"] = "Sobrescrito sin token.\n"
    before = snapshot(srv)
    g = dict(f)
    g.pop("csrf", None)
    status(e.request("POST", "/p/%s/edit" % SLUG, body=g), 403)
    for bad in ("", "0" * 43, S["sam"].csrf):
        status(e.post("/p/%s/edit" % SLUG, dict(f, csrf=bad)), 403)
    # Restore and logout are state changes too.
    status(e.post("/p/%s/restore" % SLUG, {"rev": "1", "base_rev": "1", "csrf": "x"}), 403)
    unchanged(srv, before, "POST /p/{slug}/edit without a valid CSRF token")


def test_stale_base_rev_form_is_409_with_both_texts(srv):
    e = S["edu"]
    r = status(e.get("/p/%s/edit" % SLUG), 200)
    f1 = form_values(r.text, "/p/%s/edit" % SLUG)
    f2 = dict(f1)
    check(f1["base_rev"] == "1", "base_rev %r", f1["base_rev"])
    theirs = MD1 + "- [ ] Anotar el descuadre\n"
    f1["markdown"] = theirs
    redirect_to(e.post("/p/%s/edit" % SLUG, f1), "/p/" + SLUG)
    before = snapshot(srv)
    mine = ("Mi versión <b>con</b> & \"comillas\" y <script>alert(1)</script>\n"
            "\n- [ ] Contar billetes dos veces\n  línea con sangría\n")
    f2["markdown"] = mine
    r = e.post("/p/%s/edit" % SLUG, f2)
    status(r, 409)
    unchanged(srv, before, "a stale save through the form")
    check(srv.scalar("SELECT markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                     "WHERE p.slug = ? AND r.n = 2", SLUG) == theirs, "the first save was lost")
    check(textarea(r.text, "markdown") == mine,
          "the conflict page does not give the user's text back intact:\n%r",
          textarea(r.text, "markdown"))
    texts = [t for a, t in parse(r.text).textareas]
    shown = "\n".join(texts) + r.text
    check(any(t == theirs for t in texts) or "Anotar el descuadre" in shown,
          "the conflict page does not show the current text")
    check(inline_scripts(r.text) == [], "the user's <script> reached the conflict page raw")
    # Resubmitting from the conflict page saves on top of the current revision.
    f3 = form_values(r.text, "/p/%s/edit" % SLUG)
    check(f3.get("base_rev") == "2", "the conflict form should carry base_rev 2: %r",
          f3.get("base_rev"))
    check(f3.get("markdown") == mine, "the conflict form lost the text")


def _stored_titles(srv):
    return [t for (t,) in srv.query("SELECT title FROM pages ORDER BY id")]


def test_bad_titles_are_400(srv):
    e = S["edu"]
    before = snapshot(srv)
    md = "Texto que no debe perderse\n"
    for title in ("", "   ", "T" * 300, "Con\x01control", "Tab\tdentro"):
        r = e.post("/new", new_form(e, title=title, markdown=md))
        status(r, 400)
        check(textarea(r.text, "markdown") == md, "the 400 form lost the user's text (title %r)",
              title)
        check(error_text(r.text), "the 400 form shows no error for title %r", title)
    r = e.post("/new", {"kind": "procedure", "markdown": md, "csrf": e.csrf})  # no title field
    status(r, 400)
    r = e.post("/new", new_form(e, kind="receta"))
    status(r, 400)
    unchanged(srv, before, "a bad title")
    # The same through the edit form.
    r = status(e.get("/p/%s/edit" % SLUG), 200)
    f = form_values(r.text, "/p/%s/edit" % SLUG)
    for title in ("", "T" * 300):
        status(e.post("/p/%s/edit" % SLUG, dict(f, title=title)), 400)
    status(e.post("/p/%s/edit" % SLUG, dict(f, base_rev="")), 400)
    status(e.post("/p/%s/edit" % SLUG, dict(f, base_rev="abc")), 400)
    unchanged(srv, before, "a bad title in the edit form")
    # 200 code points is the limit, and allowed.
    r = e.post("/new", new_form(e, title="Á" * 200, markdown=md))
    slug_of(r)


def test_title_with_script_is_escaped(srv):
    e = S["edu"]
    title = "<script>alert('x')</script> Caja & \"vales\""
    r = e.post("/new", new_form(e, title=title, markdown="Cuerpo.\n", category="<b>Cat</b>",
                                tags="<i>t</i>"))
    slug = slug_of(r)
    check("<" not in slug and ">" not in slug, "slug %r", slug)
    check(srv.scalar("SELECT title FROM pages WHERE slug = ?", slug) == title,
          "the title was not stored as typed")
    for path in ("/p/" + slug, "/p/%s/history" % slug, "/p/%s/edit" % slug, "/",
                 "/browse", "/p/%s/r/1" % slug, "/browse?category=" +
                 urllib.parse.quote("<b>Cat</b>")):
        r = status(e.get(path), 200)
        check("<script>alert" not in r.text, "%s has the raw <script> of the title", path)
        check(inline_scripts(r.text) == [], "%s: %r", path, inline_scripts(r.text))
        check("<b>Cat</b>" not in r.text and "<i>t</i>" not in r.text,
              "%s has raw HTML of the category or tag", path)
    r = status(e.get("/p/" + slug), 200)
    check("&lt;script&gt;" in r.text, "the title is not shown escaped")
    check(title in parse(r.text).h1, "the heading is not the title as typed: %r",
          parse(r.text).h1)


BAD_PATHS = ["/p/../../etc/passwd", "/p/..%2F..%2Fetc%2Fpasswd", "/p/%2e%2e%2f%2e%2e",
             "/p/%00", "/p/a%00b", "/p/%00/edit", "/p/%FF", "/p/%c0%ae%c0%ae", "/p/%",
             "/p/%zz", "/p/" + "a" * 5000, "/p/a/r/../../../etc/passwd",
             "/p/%s/r/%%00" % SLUG, "/p/%s/r/-1" % SLUG,
             "/p/%s/r/99999999999999999999" % SLUG,
             "/p/%s/diff?from=%%00&to=..%%2F" % SLUG, "/p/%s/diff?from=-5&to=999" % SLUG,
             "/api/v1/pages/..%2F..%2Fetc", "/api/v1/pages/%00", "/api/v1/pages/a%00b/revisions",
             "/static/../server/main.c", "/static/..%2F..%2Fserver%2Fmain.c",
             "/static/%00", "/new?kind=%00", "/browse?category=%FF", "/search?q=%00"]


def test_bad_slugs_in_urls(srv):
    before = snapshot(srv)
    for path in BAD_PATHS:
        r = S["edu"].get(path)
        check(r.status < 500, "%s answered %d", path, r.status)
        if "/diff?" in path:
            check(r.status in (200, 400, 404), "%s answered %d", path, r.status)
        else:
            check(r.status in (400, 404), "%s answered %d, expected 400 or 404", path, r.status)
        check("root:" not in r.text and "#include" not in r.text, "%s leaked a file", path)
        check(srv.proc.poll() is None, "the server died on %s", path)
    for path in ("/p/..%2F..%2Fetc/edit", "/p/%00/edit", "/p/a%00b/restore"):
        r = S["edu"].post(path, {"title": "x", "markdown": "x", "base_rev": "1", "rev": "1"})
        check(r.status in (400, 404), "POST %s answered %d", path, r.status)
    r = S["edu"].api("PUT", "/api/v1/pages/..%2Fx", {"title": "x", "markdown": "x"})
    check(r.status in (400, 404), "PUT ../x answered %d", r.status)
    r = S["edu"].api("PUT", "/api/v1/pages/Con%20May%C3%BAsculas", {"title": "x", "markdown": "x"})
    check(r.status in (400, 404), "PUT with an invalid slug answered %d", r.status)
    unchanged(srv, before, "a bad slug")
    alive(srv)


def _safe(srv, slug, body):
    check(inline_scripts(body) == [], "/p/%s runs script: %r", slug, inline_scripts(body)[:3])
    check(unsafe_urls(body) == [], "/p/%s has javascript: URLs: %r", slug, unsafe_urls(body))
    html = srv.scalar("SELECT r.html FROM revisions r JOIN pages p ON p.id = r.page_id "
                      "WHERE p.slug = ? AND r.n = p.current_rev", slug)
    check(inline_scripts(html) == [] and unsafe_urls(html) == [],
          "the stored HTML of %s is unsafe", slug)


HOSTILE = """# Hostil

<script>alert(1)</script>
<SCRIPT SRC=//evil.example/x.js></SCRIPT>
<img src=x onerror=alert(2)>
<a href="javascript:alert(3)">crudo</a>
<iframe src="javascript:alert(4)"></iframe>

[uno](javascript:alert(5))
[dos](JaVaScRiPt:alert(6))
[tres](  javascript:alert(7))
[cuatro](java&#x73;cript:alert(8))
[cinco](&#106;avascript:alert(9))
[seis](vbscript:msgbox(1))
![imagen](javascript:alert(10))
<javascript:alert(11)>
[siete][ref]
[[javascript:alert(12)]]
[[x|<script>alert(13)</script>]]

[ref]: javascript:alert(14)

| a | <script>b</script> |
|---|---|
| [c](javascript:alert(15)) | d |

- [ ] <b onclick=alert(16)>tarea</b>
"""


def test_hostile_markdown_is_saved_and_rendered_safely(srv):
    e = S["edu"]
    r = e.post("/new", new_form(e, title="Hostil", markdown=HOSTILE))
    slug = slug_of(r)
    check(srv.scalar("SELECT r.markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                     "WHERE p.slug = ?", slug) == HOSTILE, "the Markdown was not stored as typed")
    r = status(e.get("/p/" + slug), 200)
    _safe(srv, slug, r.text)
    check("uno" in r.text and "tarea" in r.text, "the safe parts of the page are missing")
    for path in ("/p/%s/r/1" % slug, "/p/%s/edit" % slug, "/p/%s/history" % slug):
        r = status(e.get(path), 200)
        check(inline_scripts(r.text) == [] and unsafe_urls(r.text) == [], "%s is unsafe", path)
    # Through the API too.
    r = status(e.api("GET", "/api/v1/pages/" + slug), 200)
    h = r.json()["html"]
    check(inline_scripts(h) == [] and unsafe_urls(h) == [], "the API's html is unsafe")


def _deep(srv, title, md):
    e = S["edu"]
    r, t = timed(e.post, "/new", new_form(e, title=title, markdown=md))
    check(t < 20, "saving %s took %.1f s", title, t)
    slug = slug_of(r)
    check(srv.scalar("SELECT length(r.markdown) FROM revisions r JOIN pages p "
                     "ON p.id = r.page_id WHERE p.slug = ?", slug) == len(md),
          "%s was not stored whole", title)
    r, t = timed(e.get, "/p/" + slug)
    status(r, 200)
    check(t < 20, "showing %s took %.1f s", title, t)
    _safe(srv, slug, r.text)
    alive(srv)
    return r


def test_deeply_nested_blockquotes(srv):
    _deep(srv, "Citas anidadas", ">" * 100000 + " fondo <script>alert(1)</script>\n")


def test_deeply_nested_brackets(srv):
    _deep(srv, "Corchetes", "[" * 100000 + "x](javascript:alert(1))" + "]" * 10 + "\n")


def test_many_wiki_link_openers(srv):
    _deep(srv, "Dobles corchetes", "[[" * 50000 + "x" + "]]" * 50000 + "\n")


def test_deeply_nested_lists_and_emphasis(srv):
    _deep(srv, "Listas anidadas", "".join("  " * i + "- x\n" for i in range(300)) +
          "*" * 50000 + "a" + "*" * 50000 + "\n" + "<" * 50000 + "\n")


def test_invalid_utf8_is_400(srv):
    e = S["edu"]
    before = snapshot(srv)
    ct = {"Content-Type": "application/x-www-form-urlencoded"}
    bodies = ["title=%FF&markdown=x&kind=procedure&publish=1",
              "title=ok&markdown=%C3%28&kind=procedure&publish=1",
              "title=%ED%A0%80&markdown=x&kind=procedure&publish=1",    # a surrogate
              "title=%C0%AF&markdown=x&kind=procedure&publish=1",       # overlong '/'
              "title=a%00b&markdown=x&kind=procedure&publish=1"]
    for b in bodies:
        r = e.request("POST", "/new", body=(b + "&csrf=" + e.csrf).encode(), headers=ct)
        status(r, 400)
    raw = b"title=\xff\xfe&markdown=x&kind=procedure&publish=1&csrf=" + e.csrf.encode()
    status(e.request("POST", "/new", body=raw, headers=ct), 400)
    r = status(e.get("/p/%s/edit" % SLUG), 200)
    f = form_values(r.text, "/p/%s/edit" % SLUG)
    q = urllib.parse.urlencode(dict(f, markdown="")) + "&markdown=%FF%FE"
    status(e.request("POST", "/p/%s/edit" % SLUG, body=q.encode(), headers=ct), 400)
    # JSON: invalid UTF-8 inside a string.
    r = e.request("PUT", "/api/v1/pages/utf8-malo",
                  body=b'{"title":"\xff","markdown":"x"}',
                  headers={"Content-Type": "application/json"}, raw=True)
    status(r, 400)
    status(e.get("/search?q=%FF"), 400)
    unchanged(srv, before, "invalid UTF-8")
    alive(srv)


def test_reader_cannot_write(srv):
    rd = S["rita"]
    before = snapshot(srv)
    status(rd.get("/p/%s/edit" % SLUG), 403)
    status(rd.get("/new"), 403)
    status(rd.post("/new", new_form(rd, title="Del lector")), 403)
    status(rd.post("/p/%s/edit" % SLUG, {"title": "X", "markdown": "lector\n",
                                          "base_rev": "2"}), 403)
    status(rd.post("/p/%s/restore" % SLUG, {"rev": "1", "base_rev": "2"}), 403)
    status(S["sam"].post("/p/%s/restore" % SLUG, {"rev": "1", "base_rev": "2"}), 403)
    unchanged(srv, before, "a reader's write")
    status(rd.get("/p/" + SLUG), 200)


def test_same_title_twice_makes_a_second_page(srv):
    e = S["edu"]
    before = srv.query("SELECT markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                       "WHERE p.slug = ? ORDER BY n", SLUG)
    r = e.post("/new", new_form(e, title="Arqueo de caja", markdown="Otra cosa.\n"))
    slug = slug_of(r)
    check(slug != SLUG, "a second page with the same title took the first one's slug")
    after = srv.query("SELECT markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                      "WHERE p.slug = ? ORDER BY n", SLUG)
    check(after == before, "creating a page with the same title changed the first one")


def test_markdown_over_the_page_limit(srv):
    e = S["edu"]
    before = snapshot(srv)
    md = "palabra " * (1536 * 1024 // 8)          # 1.5 MiB: under the body limit
    r = e.post("/new", new_form(e, title="Demasiado texto", markdown=md))
    check(r.status in (400, 413), "1.5 MiB of Markdown answered %d", r.status)
    unchanged(srv, before, "an oversize page")
    alive(srv)


def test_odd_requests_get_a_4xx(srv):
    e = S["edu"]
    before = snapshot(srv)
    # A body that is not a form.
    r = e.request("POST", "/new", body=b"\x00\x01binario",
                  headers={"Content-Type": "application/octet-stream"})
    check(400 <= r.status < 500, "an octet-stream body answered %d", r.status)
    r = e.request("POST", "/new", body=b"title=x", headers={"Content-Type": "text/plain"})
    check(400 <= r.status < 500, "a text/plain body answered %d", r.status)
    # Very many fields.
    many = "&".join("f%d=1" % i for i in range(20000)) + "&csrf=" + e.csrf
    r = e.request("POST", "/new", body=many.encode(),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(400 <= r.status < 500, "20000 fields answered %d", r.status)
    # Malformed percent escapes in a form.
    r = e.request("POST", "/new", body=("title=%zz&markdown=%&csrf=" + e.csrf).encode(),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    status(r, 400)
    # A broken multipart body.
    r = e.request("POST", "/new", body=b"--x\r\nno headers\r\n",
                  headers={"Content-Type": "multipart/form-data; boundary=x"})
    check(400 <= r.status < 500, "a broken multipart body answered %d", r.status)
    # A very long URL and a very large header.
    r = e.get("/p/" + "a" * 20000)
    check(400 <= r.status < 500, "a 20000-byte path answered %d", r.status)
    alive(srv)
    r = e.get("/", headers={"X-Grande": "b" * 40000})
    check(400 <= r.status < 500, "a 40000-byte header answered %d", r.status)
    alive(srv)
    unchanged(srv, before, "odd requests")


def test_search_syntax_never_breaks_the_server(srv):
    e = S["edu"]
    for q in ('"', '""', "caja AND", "OR", "NEAR(caja", "caja*", "*", "-caja", "^caja",
              "title:caja", "(", ")", "caja\"OR\"", "'; DROP TABLE pages; --", "\\", "%",
              "ñ" * 500, "a " * 300):
        r = e.get("/search?q=" + urllib.parse.quote(q))
        check(r.status in (200, 400), "search %r answered %d", q, r.status)
        r = e.api("GET", "/api/v1/search?q=" + urllib.parse.quote(q))
        check(r.status in (200, 400), "API search %r answered %d", q, r.status)
    alive(srv)
    check(srv.scalar("SELECT count(*) FROM pages") > 0, "pages vanished")


def heading(body):
    """The error page's message: its h1."""
    m = re.search(r"<h1>(.*?)</h1>", body, re.S)
    return html.unescape(m.group(1)) if m else ""


def test_numbers_in_the_address(srv):
    """limit=, offset=, page=, days=, from= and to= that are not whole
    numbers from their least value get a 400 saying so, on the API and on
    pages alike (they used to fall back to the default without a word);
    more than is served is cut to what is served."""
    ada = srv.client()
    redirect_to(ada.login("ada"), "/")
    before = snapshot(srv)
    status(ada.api("GET", "/api/v1/reports/gaps"), 200)  # writes the search log's queue
    logged = srv.scalar("SELECT count(*) FROM search_log")
    urls = ["/api/v1/search?q=caja&limit=%s", "/api/v1/search?q=caja&offset=%s",
            "/api/v1/suggest?q=caj&limit=%s", "/api/v1/pages?limit=%s",
            "/api/v1/pages?offset=%s", "/api/v1/review?limit=%s",
            "/api/v1/reports/risk?limit=%s", "/api/v1/reports/gaps?days=%s",
            "/api/v1/audit?page=%s"]
    pages = ["/search?q=caja&limit=%s", "/search?q=caja&offset=%s", "/browse?offset=%s",
             "/p/%s/diff?to=%%s" % SLUG, "/p/%s/diff?from=%%s" % SLUG,
             "/reports/risk?limit=%s", "/reports/gaps?days=%s", "/admin/audit?page=%s"]
    bad = ["abc", "-1", "%2B5", "%205", "5%20", "0x10", "1e3", "5.0", "5%C3%B1"]
    for url in urls:
        for v in bad:
            r = ada.api("GET", url % v)
            status(r, 400)
            check(r.json().get("error") == "bad_request", "%s: %r", url % v, r.json())
            check("número entero" in r.json().get("message", ""), "%s: %r", url % v, r.json())
    for url in pages:
        for v in ("abc", "-1", "0x10"):
            r = status(ada.get(url % v), 400)
            check("número entero" in heading(r.text), "%s: %r", url % v, heading(r.text))
    # Zero is below the least limit, page, day and revision; not below the least offset.
    for url in ("/api/v1/search?q=caja&limit=0", "/api/v1/pages?limit=0",
                "/api/v1/audit?page=0", "/api/v1/reports/gaps?days=0"):
        status(ada.api("GET", url), 400)
    status(ada.api("GET", "/api/v1/search?q=caja&offset=0"), 200)
    # Above the most: cut to it, as documented (search.h: 1..100).
    r = status(ada.api("GET", "/api/v1/search?q=caja&limit=500"), 200)
    r = status(ada.api("GET", "/api/v1/pages?limit=99999999999999999999999"), 200)
    check(r.json()["limit"] == 1000, "limit %r", r.json()["limit"])
    r = status(ada.api("GET", "/api/v1/search?q=caja&offset=99999999"), 200)
    check(r.json()["results"] == [], "results past the last offset: %r", r.json()["results"])
    status(ada.get("/p/%s/diff?to=999" % SLUG), 200)
    unchanged(srv, before, "numbers that are not numbers")
    # Refused searches are not logged; the three answered are (the gaps
    # report writes the queue first).
    status(ada.api("GET", "/api/v1/reports/gaps"), 200)
    n = srv.scalar("SELECT count(*) FROM search_log")
    check(n == logged + 3, "search_log rows %d, expected %d", n, logged + 3)
    alive(srv)


def test_restore_needs_the_revision_it_starts_from(srv):
    """A restore without base_rev (or with one that is not a number)
    would overwrite whatever was saved meanwhile: 400, nothing stored."""
    e = S["edu"]
    before = snapshot(srv)
    for form in ({"rev": "1"}, {"rev": "1", "base_rev": "abc"}, {"rev": "1", "base_rev": "0"},
                 {"rev": "1", "base_rev": "-3"}):
        r = status(e.post("/p/%s/restore" % SLUG, form), 400)
        check("revisión de partida" in heading(r.text), "%r: %r", form, heading(r.text))
    unchanged(srv, before, "restores without a base revision")
