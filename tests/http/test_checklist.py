"""A procedure's task list: static marks as served, the reader's own
checklist in her browser (static/oficio.js, tested in the browser journey
"checklist").

What the server must get right: the boxes it serves are never controls
(disabled, hidden from assistive technology: without JavaScript nothing
looks or acts tickable), the article tells oficio.js the key to keep
ticks under (slug and revision) and its words in the reader's language,
and since ticks never reach the server the cached article stays the same
for every reader, changing only with a new revision. Old revisions are
not checklists.
"""
from util import check, parse, status, tidy, tidy_available

S = {}

SLUG = "apertura-de-caja"
MD = """Antes de abrir al público.

## Pasos

- [ ] Contar el cambio
- [ ] Encender el datáfono
- [x] Llaves recogidas en recepción
"""


def setup(srv):
    srv.add_user("eva", "editor", display="Eva Ruiz")
    srv.add_user("sol", "staff", display="Sol Vega")
    srv.add_user("tom", "staff", display="Tomás Gil")


def content_div(body):
    """Attributes of the article's <div class="content">."""
    for tag, a in parse(body).elements:
        if tag == "div" and a.get("class") == "content":
            return a
    return None


def article(body):
    return body[body.index('<article class="page">'):body.index("</article>")]


def content_boxes(body):
    html = article(body)
    html = html[html.index('<div class="content"'):]
    return [a for tag, a in parse(html).elements if tag == "input" and a.get("type") == "checkbox"]


def test_login(srv):
    for u in ("eva", "sol", "tom"):
        c = srv.client()
        c.login(u)
        S[u] = c
    status(S["eva"].api("PUT", "/api/v1/pages/" + SLUG,
                        {"title": "Apertura de caja", "kind": "procedure", "markdown": MD}), 201)


def test_served_boxes_are_marks_not_controls(srv):
    r = status(S["sol"].get("/p/" + SLUG), 200)
    boxes = content_boxes(r.text)
    check(len(boxes) == 3, "three steps: %r", boxes)
    for a in boxes:
        check("disabled" in a and a.get("aria-hidden") == "true",
              "a served step is a control: %r", a)
    check(sum("checked" in a for a in boxes) == 1, "the step written as done: %r", boxes)


def test_article_carries_the_key_and_words(srv):
    r = status(S["sol"].get("/p/" + SLUG), 200)
    d = content_div(r.text)
    check(d and d.get("data-steps") == SLUG + "@1", "data-steps: %r", d)
    check(d.get("data-steps-reset") == "Desmarcar todo", "reset button: %r", d)
    check("este navegador" in d.get("data-steps-note", ""), "note: %r", d)
    check(d.get("data-steps-unnamed") == "Paso {n}", "unnamed step: %r", d)
    en = status(S["sol"].get("/p/%s?lang=en" % SLUG), 200)
    d = content_div(en.text)
    check(d.get("data-steps-reset") == "Untick all" and "this browser" in d.get("data-steps-note", ""),
          "English words: %r", d)
    js = status(S["sol"].get("/static/oficio.js"), 200).text
    check("data-steps" in js and "localStorage" in js, "oficio.js does not make the checklist")
    if tidy_available():
        tidy(r.body)


def test_cached_article_is_the_same_for_everyone_until_a_new_revision(srv):
    first = article(status(S["sol"].get("/p/" + SLUG), 200).text)
    again = article(status(S["sol"].get("/p/" + SLUG), 200).text)
    other = article(status(S["tom"].get("/p/" + SLUG), 200).text)
    check(first == again == other, "the article differs between readers or views")
    status(S["eva"].api("PUT", "/api/v1/pages/" + SLUG,
                        {"title": "Apertura de caja", "base_rev": 1,
                         "markdown": MD + "- [ ] Abrir la persiana\n"}), 200)
    r = status(S["tom"].get("/p/" + SLUG), 200)
    check(content_div(r.text).get("data-steps") == SLUG + "@2",
          "after revision 2 the article still says %r", content_div(r.text))
    check(len(content_boxes(r.text)) == 4, "the new step is not there")


def test_old_revision_is_not_a_checklist(srv):
    r = status(S["sol"].get("/p/%s/r/1" % SLUG), 200)
    d = content_div(r.text)
    check(d is not None and "data-steps" not in d, "an old revision is a checklist: %r", d)
    for a in content_boxes(r.text):
        check("disabled" in a, "an old revision's step is a control: %r", a)
