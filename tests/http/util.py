"""Small helpers shared by the HTTP test modules (standard library only).

Not a test module itself (the runner only loads test_*.py): HTML parsing,
tidy, and the few assertions every module repeats.
"""
import html
import html.parser
import re
import shutil
import subprocess
import time
import urllib.parse


def check(cond, msg, *args):
    if not cond:
        raise AssertionError(msg % args if args else msg)


def status(r, *codes):
    """Assert r.status is one of codes; show the start of the body if not."""
    if r.status not in codes:
        raise AssertionError("expected %s, got %d: %s" % (
            " or ".join(map(str, codes)), r.status, r.text[:1500]))
    return r


def location(r):
    """The path (and query) of a redirect's Location, absolute or not."""
    u = urllib.parse.urlsplit(r.header("Location") or "")
    return u.path + ("?" + u.query if u.query else "")


def redirect_to(r, prefix):
    status(r, 302, 303)
    loc = location(r)
    check(loc.startswith(prefix), "redirect to %r, expected %r...", loc, prefix)
    return loc


def json_error(r, code):
    """An API error: the status and a JSON body {error, message}."""
    status(r, code)
    ct = r.header("Content-Type") or ""
    check(ct.startswith("application/json"), "error %d is %r, not JSON: %s", code, ct, r.text[:300])
    j = r.json()
    check(isinstance(j, dict), "error body is not an object: %r", j)
    check(isinstance(j.get("error"), str) and j["error"], "no 'error' in %r", j)
    check(isinstance(j.get("message"), str) and j["message"], "no 'message' in %r", j)
    return j


def slug_of(r):
    """The slug a POST /new redirected to."""
    loc = redirect_to(r, "/p/")
    return loc[len("/p/"):].split("?")[0]


class _Doc(html.parser.HTMLParser):
    """Collects what the tests look at: elements with their attributes, the
    text of textareas, of <title>, <h1>, table rows and scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []        # (tag, attrs dict)
        self.textareas = []       # (attrs dict, text)
        self.rows = []            # (class, text)
        self.scripts = []         # (attrs dict, text)
        self.anchors = []         # (attrs dict, text)
        self.title = ""
        self.h1 = []
        self._stack = []          # open capturing elements: [tag, attrs, text]

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        self.elements.append((tag, a))
        if tag in ("textarea", "tr", "script", "a", "title", "h1"):
            self._stack.append([tag, a, []])

    def handle_startendtag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        self.elements.append((tag, a))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                t, a, parts = self._stack.pop(i)
                text = "".join(parts)
                if t == "textarea":
                    # HTML drops one newline right after <textarea>.
                    if text.startswith("\r\n"):
                        text = text[2:]
                    elif text.startswith("\n"):
                        text = text[1:]
                    self.textareas.append((a, text))
                elif t == "tr":
                    self.rows.append((a.get("class", ""), text))
                elif t == "script":
                    self.scripts.append((a, text))
                elif t == "a":
                    self.anchors.append((a, text))
                elif t == "title":
                    self.title = text
                elif t == "h1":
                    self.h1.append(text.strip())
                break

    def handle_data(self, data):
        for entry in self._stack:
            entry[2].append(data)


def parse(body):
    d = _Doc()
    d.feed(body if isinstance(body, str) else body.decode("utf-8", "replace"))
    d.close()
    return d


def inputs(body):
    """name -> value of every <input> (first occurrence wins)."""
    out = {}
    for tag, a in parse(body).elements:
        if tag == "input" and "name" in a and a["name"] not in out:
            out[a["name"]] = a.get("value", "")
    return out


def textarea(body, name=None):
    """Text of the first <textarea name=NAME> (any textarea if name is None)."""
    for a, text in parse(body).textareas:
        if name is None or a.get("name") == name:
            return text
    return None


def error_text(body):
    """The visible error message of a form page (role=alert or class=error)."""
    m = re.search(r'<(p|div)[^>]*(?:role="alert"|class="[^"]*\berror\b[^"]*")[^>]*>(.*?)</\1>',
                  body, re.S)
    if not m:
        return None
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()


def unsafe_urls(body):
    """Every URL-bearing attribute whose scheme is javascript: (or vbscript:),
    the way a browser reads it (entities decoded, controls and spaces
    ignored)."""
    bad = []
    for tag, a in parse(body).elements:
        for k in ("href", "src", "action", "formaction", "xlink:href", "data", "poster"):
            if k in a:
                v = re.sub(r"[\x00-\x20]", "", a[k]).lower()
                if v.startswith("javascript:") or v.startswith("vbscript:"):
                    bad.append((tag, k, a[k]))
    return bad


def inline_scripts(body):
    """<script> elements other than the application's own static file, and
    event-handler attributes (onclick=...), anywhere in the page."""
    d = parse(body)
    bad = []
    for a, text in d.scripts:
        if not a.get("src", "").startswith("/static/") or text.strip():
            bad.append(("script", a, text[:80]))
    for tag, a in d.elements:
        for k in a:
            if k.startswith("on"):
                bad.append((tag, k, a[k]))
    return bad


MONTHS = {"es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov",
                  "dic"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec")}


def day_html(iso, lang="es"):
    """How a page shows the day "YYYY-MM-DD": <time datetime="2026-11-25">
    with "25 nov 2026" (es) or "Nov 25, 2026" (en) in it."""
    y, m, d = (int(x) for x in iso.split("-"))
    mon = MONTHS[lang][m - 1]
    words = "%d %s %d" % (d, mon, y) if lang == "es" else "%s %d, %d" % (mon, d, y)
    return '<time datetime="%s">%s</time>' % (iso, words)


def bare_days(body):
    """The ISO days ("2026-11-25") a reader would see in the page's text
    (tags and their attributes, where machines read them, left out)."""
    t = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.findall(r"\b\d{4}-\d{2}-\d{2}\b", t)


def has_link(body, href):
    return any(a.get("href") == href for tag, a in parse(body).elements if tag == "a")


def offers_create(body, title=None):
    """True if the page offers to create a page: a link to /new?title=...
    or a GET form to /new (with the title prefilled when given)."""
    d = parse(body)
    for tag, a in d.elements:
        if tag == "a" and a.get("href", "").startswith("/new"):
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(a["href"]).query)
            if title is None or q.get("title", [None])[0] == title:
                return True
    in_form = False
    for tag, a in d.elements:
        if tag == "form":
            in_form = a.get("action", "") == "/new" and a.get("method", "get").lower() == "get"
        elif in_form and tag == "input" and a.get("name") == "title":
            if title is None or a.get("value") == title:
                return True
    return False


# ---- tidy ----

def tidy_available():
    return shutil.which("tidy") is not None


def ensure_tidy():
    if tidy_available():
        return True
    try:
        subprocess.run(["apt-get", "install", "-y", "tidy"], capture_output=True, timeout=300)
    except Exception:
        pass
    return tidy_available()


def tidy(body, allowed=()):
    """Run `tidy -q -e -utf8` on body. Fail on errors (exit status 2) and on
    warnings not matched by one of the regular expressions in allowed.
    Returns the list of allowed warnings that were seen."""
    if isinstance(body, str):
        body = body.encode()
    p = subprocess.run(["tidy", "-q", "-e", "-utf8"], input=body, capture_output=True,
                       timeout=60)
    lines = [l for l in p.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
    msgs = [l for l in lines if " - Warning: " in l or " - Error: " in l or "Error:" in l]
    unexpected = [m for m in msgs if not any(re.search(a, m) for a in allowed)]
    if p.returncode >= 2:
        raise AssertionError("tidy errors (exit %d):\n%s" % (p.returncode, "\n".join(lines)))
    if unexpected:
        raise AssertionError("tidy warnings:\n%s" % "\n".join(unexpected))
    return [m for m in msgs if m not in unexpected]


def timed(fn, *args, **kw):
    t0 = time.time()
    r = fn(*args, **kw)
    return r, time.time() - t0


class _Form(html.parser.HTMLParser):
    """The fields a browser would submit from the form whose action is given."""

    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = not self.found and a.get("action") == self.action
            self.found = self.found or self.inside
            return
        if not self.inside:
            return
        if tag == "input" and "name" in a:
            t = a.get("type", "text").lower()
            if t in ("submit", "button", "image", "reset", "file"):
                return
            if t in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value", "on" if t == "checkbox" else "")])
        elif tag == "textarea" and "name" in a:
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select" and "name" in a:
            self._select = [a["name"], None, None]  # name, first, selected
        elif tag == "option" and self._select is not None:
            v = a.get("value")
            if self._select[1] is None:
                self._select[1] = v
            if "selected" in a:
                self._select[2] = v

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            t = self._textarea[1]
            self._textarea[1] = t[1:] if t.startswith("\n") else t
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, first, sel = self._select
            v = sel if sel is not None else first
            if v is not None and self.inside:
                self.fields.append([name, v])
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_values(body, action):
    """dict of what submitting the form with this action would send (a
    browser's view: unchecked boxes and buttons left out)."""
    f = _Form(action)
    f.feed(body if isinstance(body, str) else body.decode("utf-8", "replace"))
    f.close()
    check(f.found, "no form with action %r in the page", action)
    return {k: v for k, v in f.fields}


def check_bad_serve_option(srv, option, values, message):
    """`oficio serve OPTION VALUE` for each bad value exits 2 with message
    on stderr, before it opens (or creates) a database or listens anywhere."""
    import os
    import harness
    db = os.path.join(srv.dir, "never.db")
    for bad in values:
        r = subprocess.run([harness.BINARY, "serve", "--db", db, "--listen",
                            "127.0.0.1:%d" % harness.free_port(), option, bad],
                           capture_output=True, env=srv.env, timeout=30)
        check(r.returncode == 2 and message.encode() in r.stderr,
              "%s %r: exit %r, %r", option, bad, r.returncode, r.stderr)
        check(not os.path.exists(db), "%s %r created a database", option, bad)
