"""A template's questions are guidance for the writer, never page text.

A new case lesson starts from its template, questions included ("¿Qué
necesitaba el cliente?"): the form shows them where she writes and says
they are a guide. At the first save, every line still reading as a
question goes; every line she typed stays, byte for byte, even beside a
question or in its paragraph. A refused save stores nothing and gives her
text back as typed. Edits and the API are not touched: only a new page's
text comes from a template. Lines are sent with CRLF, as browsers do.

Once the page exists, its editor lists its kind's template questions
beside the text (a <details> under it, open while the page is a draft or
in review), so a half-written lesson reopened later still says what each
section asked. The stored text stays as it was.
"""
import html
import re

from util import check, error_text, form_values, redirect_to, slug_of, status, textarea

S = {}

Q_SITUATION = "¿Qué necesitaba el cliente? ¿Qué tenía de especial el caso?"
Q_DID = "¿Qué hiciste, paso a paso? Si te saltaste una norma a favor del cliente, ¿cuál y por qué?"
Q_OUTCOME = "¿Cómo acabó? ¿Cómo lo recibió el cliente?"
Q_LEARNED = ("¿Qué volverías a hacer, o harías distinto, la próxima vez? "
             "¿Habría que cambiar el procedimiento?")
QUESTIONS = (Q_SITUATION, Q_DID, Q_OUTCOME, Q_LEARNED)
HINT = "Las preguntas y los pasos vacíos de la plantilla son una guía"


def setup(srv):
    srv.add_user("ana", "manager", display="Ana Martín")
    srv.add_user("eva", "editor", display="Eva Ruiz")
    srv.add_user("sol", "staff", display="Sol Vega")


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def stored(srv, slug):
    return srv.scalar("SELECT r.markdown FROM revisions r JOIN pages p ON p.id = r.page_id "
                      "WHERE p.slug = ? ORDER BY r.n DESC LIMIT 1", slug)


def counts(srv):
    return [srv.scalar("SELECT count(*) FROM " + t) for t in ("pages", "revisions", "lessons")]


def new_form(who, kind="lesson", title="Caso"):
    """The /new form as a browser would send it: its fields, a title."""
    page = status(S[who].get("/new?kind=" + kind), 200).text
    vals = form_values(page, "/new")
    vals["title"] = title
    return page, vals


def guide(page):
    """The template-questions block of an edit form: (open, [question
    lines, unescaped]), or None when there is none."""
    blocks = re.findall(r'<details class="help prompts"( open)?>(.*?)</details>', page, re.S)
    check(len(blocks) <= 1, "more than one guide: %r", blocks)
    if not blocks:
        return None
    is_open, body = blocks[0]
    return bool(is_open), [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", body, re.S)]


def set_template(who, markdown, kind="lesson", lang="es"):
    form = {"kind": kind, "lang": lang, "action": "save" if markdown is not None else "reset"}
    if markdown is not None:
        form["markdown"] = markdown
    redirect_to(S[who].post("/admin/templates", form), "/admin/templates")


def test_login(srv):
    for u in ("ana", "eva", "sol"):
        c = srv.client()
        redirect_to(c.login(u), "/")
        S[u] = c


def test_form_shows_the_questions_as_a_guide(srv):
    page, vals = new_form("sol")
    md = textarea(page, "markdown")
    for q in QUESTIONS:
        check(q in md, "the lesson template should ask %r: %r", q, md)
    check(HINT in page, "the form should say the questions are a guide")
    # A procedure's template asks nothing, but its steps are blanks to
    # fill in: the hint too. A reference's template is empty: no hint.
    page = status(S["eva"].get("/new?kind=procedure"), 200).text
    check(HINT in page, "a template with empty steps has the hint")
    page = status(S["eva"].get("/new?kind=reference"), 200).text
    check(HINT not in page, "an empty template has no hint")


def test_questions_left_as_they_are_are_not_published(srv):
    _, vals = new_form("sol", title="Cliente con prisa")
    vals["markdown"] = crlf(vals["markdown"])
    slug = slug_of(S["sol"].post("/new", vals))
    md = stored(srv, slug)
    check(md == "## Situación\r\n\r\n## Qué hice\r\n\r\n## Resultado\r\n\r\n"
               "## Lo que aprendimos\r\n\r\n", "stored: %r", md)
    page = status(S["sol"].get("/p/" + slug), 200).text
    for q in QUESTIONS:
        check(q not in page, "the page shows the question %r", q)
    check(srv.scalar("SELECT count(*) FROM page_text t JOIN pages p ON p.id = t.id "
                     "WHERE p.slug = ? AND t.body LIKE '%necesitaba%'", slug) == 0,
          "the questions went into the search index")


def test_everything_the_writer_typed_is_kept(srv):
    _, vals = new_form("sol", title="Abrigo sin tique")
    # Her answers: on the line after a question, in its place, after a
    # blank line; a question quoted inside her own sentence; spaces and
    # blank lines as she left them.
    typed = ("## Situación\n\n" + Q_SITUATION + "\nUn cliente sin tique quería devolver un abrigo.  \n\n"
             "## Qué hice\n\n" + Q_DID + "\n\nAcepté el extracto de su tarjeta.\n"
             "Le pregunté: «" + Q_OUTCOME + "»\n\n\n"
             "## Resultado\n\nVolvió a la semana siguiente.\n\n"
             "## Lo que aprendimos\n\n" + Q_LEARNED + "\n- El extracto debería bastar.\n")
    vals["markdown"] = crlf(typed)
    vals["outcome"] = "positive"
    slug = slug_of(S["sol"].post("/new", vals))
    expect = ("## Situación\n\nUn cliente sin tique quería devolver un abrigo.  \n\n"
              "## Qué hice\n\nAcepté el extracto de su tarjeta.\n"
              "Le pregunté: «" + Q_OUTCOME + "»\n\n\n"
              "## Resultado\n\nVolvió a la semana siguiente.\n\n"
              "## Lo que aprendimos\n\n- El extracto debería bastar.\n")
    md = stored(srv, slug)
    check(md == crlf(expect), "stored:\n%r\nexpected:\n%r", md, crlf(expect))
    # Every line she typed is there, in order.
    mine = [l for l in typed.split("\n") if l.strip() and l.strip() not in QUESTIONS]
    got = md.replace("\r\n", "\n").split("\n")
    check([l for l in got if l.strip()] == mine, "lines lost: %r", got)


def test_questions_replaced_change_nothing(srv):
    _, vals = new_form("sol", title="Regalo a los 40 días")
    typed = ("## Situación\r\n\r\nUna clienta con un regalo.\r\n\r\n## Qué hice\r\n\r\n"
             "Le di un vale.\r\n\r\n## Resultado\r\n\r\nContenta.\r\n\r\n"
             "## Lo que aprendimos\r\n\r\nLos regalos necesitan más plazo.\r\n")
    vals["markdown"] = typed
    slug = slug_of(S["sol"].post("/new", vals))
    check(stored(srv, slug) == typed, "her text was changed: %r", stored(srv, slug))


def test_a_refused_save_stores_nothing_and_keeps_the_questions(srv):
    before = counts(srv)
    _, vals = new_form("sol", title="Con procedimiento inventado")
    vals["markdown"] = crlf(vals["markdown"].replace(Q_SITUATION + "\n",
                                                     Q_SITUATION + "\nAlgo que escribí.\n"))
    vals["procedure"] = "Un procedimiento que no existe"
    r = status(S["sol"].post("/new", vals), 400)
    check(error_text(r.text), "the 400 form has no message")
    back = textarea(r.text, "markdown")
    check(back.replace("\r\n", "\n") == vals["markdown"].replace("\r\n", "\n"),
          "the form does not give her text back as typed: %r", back)
    check(HINT in r.text, "the form after the error still says the questions are a guide")
    vals["title"] = ""
    vals["procedure"] = ""
    status(S["sol"].post("/new", vals), 400)
    check(counts(srv) == before, "a refused save changed the database: %r -> %r",
          before, counts(srv))


def test_kind_changed_after_the_template_still_strips(srv):
    # An editor opens a new lesson, then picks "reference" in the form.
    _, vals = new_form("eva", title="Nota de un caso")
    vals["kind"] = "reference"
    vals["markdown"] = vals["markdown"].replace(Q_OUTCOME, "Bien.")
    slug = slug_of(S["eva"].post("/new", vals))
    md = stored(srv, slug)
    check("Bien." in md and not any(q in md for q in QUESTIONS), "stored: %r", md)


def test_edits_and_the_api_are_not_touched(srv):
    # Only a new page's first save comes from a template: a page that
    # quotes a question on a line of its own keeps it, through the API and
    # through the edit form.
    quoted = "## Preguntas que hacemos\n\n" + Q_SITUATION + "\n"
    r = S["eva"].api("PUT", "/api/v1/pages/preguntas-al-cliente",
                     {"title": "Preguntas al cliente", "kind": "reference", "markdown": quoted})
    status(r, 201)
    check(stored(srv, "preguntas-al-cliente") == quoted, "the API stripped a line")
    page = status(S["eva"].get("/p/preguntas-al-cliente/edit"), 200).text
    vals = form_values(page, "/p/preguntas-al-cliente/edit")
    vals["markdown"] = quoted + "\nY una más.\n"
    redirect_to(S["eva"].post("/p/preguntas-al-cliente/edit", vals), "/p/preguntas-al-cliente")
    check(stored(srv, "preguntas-al-cliente") == quoted + "\nY una más.\n",
          "an edit stripped a line: %r", stored(srv, "preguntas-al-cliente"))
    check(HINT not in page, "the edit form has the new-page hint")


def test_managers_template_guidance_and_structure(srv):
    mine = ("## Qué pasó\n\nCuéntalo en dos o tres frases.\n\n## Datos\n\n"
            "| Campo | Valor |\n|---|---|\n| Tienda | |\n\n## Pasos que seguí\n\n- [ ] \n")
    redirect_to(S["ana"].post("/admin/templates", {"kind": "lesson", "lang": "es",
                                                   "markdown": mine, "action": "save"}),
                "/admin/templates")
    page = status(S["ana"].get("/admin/templates"), 200).text
    check("no se publican" in page, "the templates page does not explain the questions")
    _, vals = new_form("sol", title="Con la plantilla de la jefa")
    check(vals["markdown"].replace("\r\n", "\n") == mine, "form: %r", vals["markdown"])
    vals["markdown"] = crlf(vals["markdown"].replace("| Tienda | |", "| Tienda | Centro |"))
    slug = slug_of(S["sol"].post("/new", vals))
    check(stored(srv, slug) == crlf(mine.replace("Cuéntalo en dos o tres frases.\n\n", "")
                                    .replace("| Tienda | |", "| Tienda | Centro |")
                                    .replace("- [ ] \n", "")),
          "stored: %r", stored(srv, slug))
    # A form opened before the template changed: the built-in questions
    # are still guidance.
    _, vals = new_form("sol", title="Formulario antiguo")
    vals["markdown"] = "## Situación\n\n" + Q_SITUATION + "\n\nNada más.\n"
    slug = slug_of(S["sol"].post("/new", vals))
    check(stored(srv, slug) == "## Situación\n\nNada más.\n", "stored: %r", stored(srv, slug))
    redirect_to(S["ana"].post("/admin/templates", {"kind": "lesson", "lang": "es",
                                                   "action": "reset"}), "/admin/templates")


def test_empty_steps_are_not_published(srv):
    """The procedure template's three "- [ ] " steps: the ones filled in
    are the page's checklist; the ones left empty are not published (they
    were steps with no text, a box named "Paso 3")."""
    _, vals = new_form("eva", kind="procedure", title="Cambio de talla")
    md = vals["markdown"].replace("\r\n", "\n")
    check(md.count("- [ ] \n") == 3, "the template's steps: %r", md)
    vals["markdown"] = crlf(md.replace("- [ ] \n", "- [ ] Mirar la etiqueta\n", 1)
                              .replace("- [ ] \n", "- [ ] \n- [ ] Cambiarla por otra talla\n", 1))
    before = counts(srv)
    slug = slug_of(S["eva"].post("/new", vals))
    text = stored(srv, slug)
    check("- [ ] Mirar la etiqueta\r\n- [ ] Cambiarla por otra talla\r\n\r\n" in text
          and "- [ ] \r\n" not in text, "stored: %r", text)
    check(counts(srv)[:2] == [before[0] + 1, before[1] + 1], "one page, one revision")
    page = status(S["eva"].get("/p/" + slug), 200).text
    check(page.count('type="checkbox"') == 2, "two steps on the page: %d",
          page.count('type="checkbox"'))
    # An edit keeps an empty step someone adds: only a new page's text
    # comes from a template.
    r = status(S["eva"].get("/p/%s/edit" % slug), 200)
    vals = form_values(r.text, "/p/%s/edit" % slug)
    vals["markdown"] = text + "- [ ] \r\n"
    redirect_to(S["eva"].post("/p/%s/edit" % slug, vals), "/p/" + slug)
    check(stored(srv, slug).endswith("- [ ] \r\n"), "an edit dropped a line: %r", stored(srv, slug))


def test_english_template(srv):
    page = status(S["sol"].get("/new?kind=lesson&lang=en"), 200).text
    vals = form_values(page, "/new")
    vals["title"] = "English case"
    md = vals["markdown"]
    check("What did the customer need?" in md, "English template: %r", md)
    check("questions and empty steps are a guide" in page, "English hint missing")
    slug = slug_of(S["sol"].post("/new?lang=en", vals))
    check(stored(srv, slug) == "## Situation\n\n## What I did\n\n## Outcome\n\n## What we learned\n\n",
          "stored: %r", stored(srv, slug))


def test_a_draft_edit_form_lists_the_questions_open(srv):
    # Sol saves her lesson half-written, questions left as they were: the
    # first save dropped them, and her editor lists them beside the text.
    _, vals = new_form("sol", title="Caso a medias")
    vals["markdown"] = crlf(vals["markdown"].replace(Q_SITUATION + "\n",
                                                     Q_SITUATION + "\nUn cliente sin tique.\n"))
    slug = slug_of(S["sol"].post("/new", vals))
    S["draft"] = slug
    page = status(S["sol"].get("/p/%s/edit" % slug), 200).text
    g = guide(page)
    check(g == (True, list(QUESTIONS)), "the draft's guide: %r", g)
    check("<summary>Preguntas de la plantilla</summary>" in page, "the guide has no title")
    check(page.index('name="markdown"') < page.index('class="help prompts"'),
          "the guide is not under the text")
    md = textarea(page, "markdown")
    check(not any(q in md for q in QUESTIONS), "the questions came back into the text: %r", md)
    api = status(S["sol"].get("/api/v1/pages/" + slug), 200).json()
    lines = [l.strip() for l in api["markdown"].splitlines()]
    check(not any(q in lines for q in QUESTIONS) and "Un cliente sin tique." in lines,
          "stored: %r", api["markdown"])
    # Submitted for review it is still unfinished: open. In English, the
    # English template's questions.
    redirect_to(S["sol"].post("/p/%s/submit" % slug), "/p/" + slug)
    check(srv.scalar("SELECT status FROM pages WHERE slug = ?", slug) == "in_review", "not in review")
    page = status(S["sol"].get("/p/%s/edit" % slug), 200).text
    check(guide(page) == (True, list(QUESTIONS)), "in review: %r", guide(page))
    page = status(S["sol"].get("/p/%s/edit?lang=en" % slug), 200).text
    g = guide(page)
    check(g and g[0] and g[1][0] == "What did the customer need? What made the case unusual?"
          and len(g[1]) == 4, "English guide: %r", g)
    check("<summary>The template's questions</summary>" in html.unescape(page), "English title")
    check(status(S["sol"].get("/api/v1/pages/" + slug), 200).json()["markdown"] == api["markdown"],
          "opening the editor changed the text")


def test_a_published_pages_guide_is_closed(srv):
    _, vals = new_form("eva", title="Caso publicado")
    vals["publish"] = "1"
    slug = slug_of(S["eva"].post("/new", vals))
    check(srv.scalar("SELECT status FROM pages WHERE slug = ?", slug) == "published", "not published")
    page = status(S["eva"].get("/p/%s/edit" % slug), 200).text
    check(guide(page) == (False, list(QUESTIONS)), "the published page's guide: %r", guide(page))
    # The form after a refused save is the same editor: the guide stays.
    vals = form_values(page, "/p/%s/edit" % slug)
    vals["procedure"] = "Un procedimiento que no existe"
    r = status(S["eva"].post("/p/%s/edit" % slug, vals), 400)
    check(guide(r.text) == (False, list(QUESTIONS)), "after an error: %r", guide(r.text))


def test_no_guide_when_the_template_asks_nothing(srv):
    slug = S["draft"]
    check(guide(status(S["ana"].get("/p/%s/edit" % slug), 200).text), "no guide to begin with")
    # Headings only: nothing to ask.
    set_template("ana", "## Situación\n\n## Qué hice\n\n## Resultado\n")
    page = status(S["ana"].get("/p/%s/edit" % slug), 200).text
    check(guide(page) is None and "Preguntas de la plantilla" not in page,
          "a template without questions has a guide")
    # Empty steps are blanks to fill, not questions.
    set_template("ana", "## Pasos\n\n- [ ] \n- [ ] \n\n¿Qué faltó?\n\n1. \n")
    g = guide(status(S["ana"].get("/p/%s/edit" % slug), 200).text)
    check(g == (True, ["¿Qué faltó?"]), "the steps in the guide: %r", g)
    set_template("ana", None)
    check(guide(status(S["ana"].get("/p/%s/edit" % slug), 200).text) == (True, list(QUESTIONS)),
          "the reset template's questions")
    # The built-in procedure template has only empty steps; a reference's
    # is empty.
    for kind, title in (("procedure", "Con pasos"), ("reference", "Una referencia")):
        _, vals = new_form("eva", kind=kind, title=title)
        vals["publish"] = "1"
        s = slug_of(S["eva"].post("/new", vals))
        page = status(S["eva"].get("/p/%s/edit" % s), 200).text
        check(guide(page) is None, "a %s has a guide: %r", kind, guide(page))


def test_the_guide_is_escaped(srv):
    slug = S["draft"]
    set_template("ana", "## Situación\n\n¿Hubo <b>x</b> en juego & por qué?\n"
                        "¿Y <script>y</script>?\n\n¿Hubo <b>x</b> en juego & por qué?\n")
    page = status(S["ana"].get("/p/%s/edit" % slug), 200).text
    check("<b>x</b>" not in page and "<script>y" not in page, "the question is markup")
    check("<li>¿Hubo &lt;b&gt;x&lt;/b&gt; en juego &amp; por qué?</li>" in page,
          "the question is not escaped")
    check(guide(page) == (True, ["¿Hubo <b>x</b> en juego & por qué?", "¿Y <script>y</script>?"]),
          "once each, in order: %r", guide(page))
    set_template("ana", None)
