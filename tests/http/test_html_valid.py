"""The main pages are valid HTML by Debian's tidy (`tidy -q -e -utf8`):
any error fails, and so does any warning not explicitly allowed below.
Pages are filled with real content (a table, a checklist, wiki links,
code, a title full of characters that need escaping) so that what the
templates and the Markdown renderer produce together is checked.
"""
import re
import urllib.parse

from util import check, ensure_tidy, form_values, redirect_to, slug_of, status, tidy

S = {}

# Warnings tidy may give that are not faults of the page. Each entry is a
# regular expression matched against one line of tidy's report; keep them
# narrow and say why.
ALLOWED = [
    # (none needed so far: tidy 5.6 accepts every page as it is)
]

MD = """Introducción con **negrita**, `código` y un [enlace](https://example.org/?a=1&b=2).

## Pasos

1. Saludar
2. Pedir el ticket

- [ ] Comprobar el artículo
- [x] Anotar la devolución

| Días | Qué ofrecemos |
|---|:---:|
| 1 a 7 | Vale |
| más de 7 | Encargado |

> Una cita.

```
código en bloque <con> & símbolos
```

Ver [[Página que falta]], [[Otra página|la otra]] y <https://example.org>.

---

Línea final ~~tachada~~.
"""

TITLE = "Devolución <fuera> de plazo & \"cambios\""


def setup(srv):
    srv.add_user("root", "admin", display="Raíz <admin>")
    srv.add_user("rita", "reader", display="Rita")


def test_tidy_is_installed(srv):
    check(ensure_tidy(), "tidy is not installed and apt-get install -y tidy failed")


def test_content(srv):
    c = srv.client()
    redirect_to(c.login("root"), "/")
    S["c"] = c
    r = c.post("/new", {"kind": "procedure", "title": "Otra página", "markdown": "Otra.\n",
                        "category": "Caja", "tags": "uno", "publish": "1", "csrf": c.csrf})
    slug_of(r)
    r = c.post("/new", {"kind": "procedure", "title": TITLE, "markdown": MD,
                        "category": "Caja & <Tienda>", "tags": "devoluciones, caja, <x>, \"y\" & <z>",
                        "publish": "1", "csrf": c.csrf})
    slug = slug_of(r)
    S["slug"] = slug
    r = status(c.get("/p/%s/edit" % slug), 200)
    f = form_values(r.text, "/p/%s/edit" % slug)
    S["edit_form"] = dict(f)
    f["markdown"] = MD.replace("Saludar", "Saludar al cliente") + "\nAñadido.\n"
    f["comment"] = "Cambio con <b>marcas</b>"
    redirect_to(c.post("/p/%s/edit" % slug, f), "/p/" + slug)
    # An archived page, which a reader is told about (410), and which
    # the search lists with its badge for managers and up.
    r = c.post("/new", {"kind": "reference", "title": "Página archivada <vieja> & \"rara\"",
                        "markdown": "Vieja.\n", "publish": "1", "csrf": c.csrf})
    S["archived"] = slug_of(r)
    # A draft lesson: its editor lists the template's questions (open).
    r = c.post("/new", {"kind": "lesson", "title": "Caso <a medias>",
                        "markdown": "## Situación\n\nUn cliente & su ticket.\n", "csrf": c.csrf})
    S["lesson"] = slug_of(r)
    r = status(c.get("/p/%s/edit" % S["lesson"]), 200)
    check('<details class="help prompts" open>' in r.text, "the draft's editor has no guide")
    redirect_to(c.post("/p/%s/archive" % S["archived"], {"comment": "Vieja", "csrf": c.csrf}),
                "/p/" + S["archived"])


def _pages():
    slug = S["slug"]
    cat = urllib.parse.quote("Caja & <Tienda>")
    return ["/", "/p/" + slug, "/p/%s/edit" % slug, "/p/%s/history" % slug,
            "/p/%s/diff" % slug, "/p/%s/diff?from=1&to=2" % slug, "/p/%s/r/1" % slug,
            "/browse", "/browse?category=" + cat, "/browse?tag=devoluciones",
            "/search?q=x", "/search?q=devolucion", "/search?q=", "/me", "/admin/users",
            "/search?q=pagina&limit=1",
            "/search?q=pagina&limit=1&offset=1&category=%s&tag=%s" % (cat, urllib.parse.quote('"y" & <z>')),
            "/search?q=pagna&kind=procedure&status=published",
            "/search?q=archivada&status=archived",
            "/p/no-existe", "/new", "/new?kind=lesson", "/new?title=Nueva%20p%C3%A1gina",
            "/p/%s/edit" % S["lesson"], "/?lang=en", "/p/%s?lang=en" % slug]


def test_search_pages_checked_have_their_parts(srv):
    # The search pages in _pages() are there for their pager, their
    # hidden filters (a category and a tag that need escaping) and their
    # suggested spelling: make sure they have them, or tidy checks nothing.
    c = S["c"]
    parts = {"/search?q=pagina&limit=1": '<nav class="pager"',
             "/search?q=archivada&status=archived": '<span class="badge st-archived">',
             "/search?q=pagna&kind=procedure&status=published": '<form class="didyou"'}
    for path, part in parts.items():
        check(path in _pages(), "%s is no longer checked by tidy", path)
        check(part in status(c.get(path), 200).text, "%s has no %s", path, part)
    path = [p for p in _pages() if "offset=1&category=" in p][0]
    r = status(c.get(path), 200)
    m = re.search(r'<nav class="pager".*?</nav>', r.text, re.S)
    check(m and '<input type="hidden" name="category" value="Caja &amp; &lt;Tienda&gt;">'
          in m.group(0) and '<input type="hidden" name="tag" value="&quot;y&quot; &amp; &lt;z&gt;">'
          in m.group(0), "the pager does not keep the filters, escaped: %r", m and m.group(0))


def _validate(r, what):
    try:
        tidy(r.body, ALLOWED)
    except AssertionError as e:
        raise AssertionError("%s (%d): %s" % (what, r.status, e))


def test_main_pages_are_valid_html(srv):
    c = S["c"]
    problems = []  # every page is checked; all problems are reported at once
    for path in _pages():
        r = c.get(path)
        check(r.status in (200, 404), "%s answered %d", path, r.status)
        check((r.header("Content-Type") or "").startswith("text/html"), "%s is not HTML", path)
        try:
            _validate(r, path)
        except AssertionError as e:
            problems.append(str(e))
    check(not problems, "\n".join(problems))


def test_login_and_error_pages_are_valid_html(srv):
    anon = srv.client()
    r = status(anon.get("/login"), 200)
    _validate(r, "/login")
    r = anon.post("/login", {"username": "root", "password": "mal-clave-x", "next": "/"})
    status(r, 401)
    _validate(r, "/login with an error")
    rd = srv.client()
    redirect_to(rd.login("rita"), "/")
    for path in ("/p/%s/edit" % S["slug"], "/admin/users", "/p/no-existe", "/",
                 "/p/" + S["archived"], "/p/%s?lang=en" % S["archived"]):
        r = rd.get(path)
        check(r.status in (200, 403, 404, 410), "%s answered %d to a reader", path, r.status)
        check(r.status == 410 or S["archived"] not in path, "%s answered %d, not 410", path, r.status)
        _validate(r, "reader " + path)
    r = S["c"].request("DELETE", "/p/x")
    status(r, 405)
    _validate(r, "405")


def test_form_error_and_conflict_pages_are_valid_html(srv):
    c = S["c"]
    slug = S["slug"]
    r = c.post("/new", {"kind": "procedure", "title": "", "markdown": MD, "csrf": c.csrf})
    status(r, 400)
    _validate(r, "400 form")
    # S["edit_form"] carries base_rev 1, now stale.
    f = dict(S["edit_form"], markdown="Mi texto <b>con</b> & marcas\n", csrf=c.csrf)
    r = c.post("/p/%s/edit" % slug, f)
    status(r, 409)
    _validate(r, "409 conflict page")
