"""/browse in pages of 100 rows: a category of 205 pages is listed whole
over three pages, in title order, none twice and none missing; the
previous and next buttons keep the filters; the pages are valid HTML.
"""
import os
import re
import tempfile
import urllib.parse

from util import check, ensure_tidy, status, tidy

S = {}
N = 205
CAT = "Almacén & <b>"


def setup(srv):
    srv.add_user("ana", "staff")
    d = tempfile.mkdtemp(prefix="oficio-browse-", dir=srv.dir)
    os.makedirs(os.path.join(d, "almacen"))
    for i in range(N):
        with open(os.path.join(d, "almacen", "ubicacion-%03d.md" % i), "w", encoding="utf-8") as f:
            f.write("---\ntitle: Ubicación %03d\ncategory: %s\ntags: [pasillo]\n---\n"
                    "Estantería %d del almacén.\n" % (i, CAT, i))
    srv.cli("import", d)


def rows(html):
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<td><a href="/p/([^"]+)">', body)


def pager(html):
    m = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', html, re.S)
    if not m:
        return None, {}, ""
    nav = m.group(1)
    at = re.search(r"<span>Página (\d+)</span>", nav)
    buttons = {label: int(v) for v, label in
               re.findall(r'<button type="submit" name="offset" value="(\d+)">([^<]+)</button>', nav)}
    return int(at.group(1)) if at else None, buttons, nav


def test_login(srv):
    c = srv.client()
    status(c.login("ana"), 303)
    S["c"] = c


def test_a_category_over_three_pages(srv):
    c = S["c"]
    base = "/browse?category=" + urllib.parse.quote(CAT)
    seen = []
    want = [(1, {"Siguientes": 100}, 100), (2, {"Anteriores": 0, "Siguientes": 200}, 100),
            (3, {"Anteriores": 100}, 5)]
    for k, (page, buttons, n) in enumerate(want):
        r = status(c.get(base + ("&offset=%d" % (100 * k) if k else "")), 200)
        got = rows(r.text)
        check(len(got) == n, "page %d lists %d rows", page, len(got))
        at, b, nav = pager(r.text)
        check(at == page and b == buttons, "page %d: pager %r %r", page, at, b)
        check('<input type="hidden" name="category" value="Almac\u00e9n &amp; &lt;b&gt;">' in nav,
              "the pager does not keep the category: %r", nav)
        seen += got
    check(seen == ["ubicacion-%03d" % i for i in range(N)],
          "the three pages are not the category in title order: %r", seen[:5] + seen[-5:])


def test_pages_are_valid_html(srv):
    check(ensure_tidy(), "tidy is not installed")
    for path in ("/browse?tag=pasillo&offset=100", "/browse?offset=200"):
        tidy(status(S["c"].get(path), 200).body)


def test_filters_ride_along(srv):
    r = status(S["c"].get("/browse?tag=pasillo&kind=procedure&offset=100"), 200)
    at, buttons, nav = pager(r.text)
    check(at == 2 and buttons == {"Anteriores": 0, "Siguientes": 200}, "pager %r %r", at, buttons)
    for name, value in (("tag", "pasillo"), ("kind", "procedure")):
        check('<input type="hidden" name="%s" value="%s">' % (name, value) in nav,
              "the pager drops %s: %r", name, nav)


def test_short_lists_have_no_pager(srv):
    r = status(S["c"].get("/browse?category=Otra"), 200)
    check(pager(r.text)[0] is None and rows(r.text) == [], "an empty list has a pager")
    # An offset that is not a whole number is refused (400, saying so);
    # one past the last page read is cut to it: past the end (below).
    for bad in ("-1", "x", "1.5"):
        r = status(S["c"].get("/browse?tag=pasillo&offset=" + bad), 400)
        check("número entero" in r.text, "offset=%s: %r", bad, r.text[:300])
    r = status(S["c"].get("/browse?tag=pasillo&offset=99999999"), 200)
    check(rows(r.text) == [] and pager(r.text)[1] == {"Anteriores": 0},
          "offset=99999999: %r", pager(r.text)[:2])
    # Past the end: nothing listed, the way back to the first page offered.
    r = status(S["c"].get("/browse?tag=pasillo&offset=400"), 200)
    at, buttons, _ = pager(r.text)
    check(rows(r.text) == [] and buttons == {"Anteriores": 0}, "past the end: %r", buttons)
