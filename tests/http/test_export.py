"""Export, import and backup, the admin's journey "runs it, backs it up
while it runs, exports everything as plain Markdown":

- `oficio export DIR --history` writes every page as Markdown with front
  matter, one folder per category, attachments under DIR/files/HASH.EXT,
  the history under DIR/history/SLUG/N.md; it refuses a non-empty DIR;
- `oficio import DIR` into an empty database gives the same pages (slug,
  title, kind, status, category, tags, current Markdown, lesson fields,
  owners, review interval) and the same attachments (hashes, bytes) and
  links; a file whose bytes do not match its name is reported and skipped;
- `oficio backup FILE` taken while a client keeps saving pages through the
  API passes its integrity check and holds at least the pages there were
  before it started.

Tests run in file order and share state through S.
"""
import hashlib
import os
import shutil
import subprocess
import threading
import time
import urllib.parse

import harness
from util import check, status

S = {}

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")
PDF = "%PDF-1.4\n% Política de devoluciones\n%%EOF\n".encode()
CSV = "fecha;importe\n2026-11-02;12,50\n".encode()

USERS = (("edu", "editor", "Eduardo"), ("mia", "manager", "Mía"), ("sam", "staff", "Samuel"),
         ("rita", "reader", "Rita"))


def blake(data):
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def setup(srv):
    for name, role, display in USERS:
        srv.add_user(name, role, display=display)


def put(client, slug, **fields):
    r = client.api("PUT", "/api/v1/pages/" + slug, fields)
    status(r, 200, 201)
    return r.json()


def upload(client, slug, name, data):
    r = client.request("POST", "/api/v1/pages/%s/attachments?filename=%s"
                       % (slug, urllib.parse.quote(name)),
                       body=data, headers={"Content-Type": "application/octet-stream"}, raw=True)
    status(r, 200, 201)
    return r.json()


def snapshot(srv):
    """Everything an export must carry, keyed so two databases compare."""
    pages = {}
    for row in srv.query(
            "SELECT p.id, p.slug, p.title, p.kind, p.status, p.category, r.markdown, "
            "uo.username, ub.username, p.review_days FROM pages p "
            "JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "
            "LEFT JOIN users uo ON uo.id = p.owner_id "
            "LEFT JOIN users ub ON ub.id = p.backup_owner_id"):
        pid, slug = row[0], row[1]
        tags = sorted(t for (t,) in srv.query("SELECT tag FROM page_tags WHERE page_id = ?", pid))
        lesson = srv.query("SELECT lp.slug, l.bent_rule, l.rule, l.outcome, l.happened_on "
                           "FROM lessons l LEFT JOIN pages lp ON lp.id = l.procedure_id "
                           "WHERE l.page_id = ?", pid)
        pages[slug] = {"title": row[2], "kind": row[3], "status": row[4], "category": row[5],
                       "markdown": row[6], "owner": row[7], "backup_owner": row[8],
                       "review_days": row[9], "tags": tags,
                       "lesson": lesson[0] if lesson else None}
    files = {h: (m, bytes(d)) for h, m, d in srv.query("SELECT hash, mime, data FROM attachments")}
    links = sorted(srv.query("SELECT p.slug, pf.hash, pf.filename FROM page_files pf "
                             "JOIN pages p ON p.id = pf.page_id"))
    return pages, files, links


def test_content(srv):
    for name, _, _ in USERS:
        S[name] = srv.client(token=srv.token(name))
    edu = S["edu"]
    # A procedure with three revisions, tags, a category with a sub-folder.
    put(edu, "devolucion-fuera-de-plazo", title="Devolución fuera de plazo",
        markdown="Primera versión.\n", category="Caja/Devoluciones", tags=["caja", "devoluciones"],
        comment="primera")
    j = put(edu, "devolucion-fuera-de-plazo", markdown="Segunda versión.\n", base_rev=1,
            comment="segunda")
    png = upload(edu, "devolucion-fuera-de-plazo", "ticket.png", PNG)
    pdf = upload(edu, "devolucion-fuera-de-plazo", "Política de devoluciones.pdf", PDF)
    md3 = ("Tercera versión, con imagen y documento.\n\n%s\n\n%s\n\n- [ ] Pedir el ticket\n"
           "- [x] Llamar al encargado\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
           % (png["markdown"], pdf["markdown"]))
    put(edu, "devolucion-fuera-de-plazo", markdown=md3, base_rev=j["rev"], comment="tercera")
    # A lesson that concerns it and bent a rule; its category sorts before
    # the procedure's, so import meets the lesson first.
    put(edu, "cliente-sin-ticket", title="Cliente sin ticket", kind="lesson",
        category="Atención", markdown="## Situación\n\nLlegó sin ticket.\n",
        lesson={"procedure": "devolucion-fuera-de-plazo", "bent_rule": True,
                "rule": "Sin ticket no hay devolución", "outcome": "positive",
                "happened_on": "2026-11-02"})
    # Uncategorised reference; awkward category names; quotes and colons.
    put(edu, "horario", title='Horario: "verano" e invierno', kind="reference",
        markdown="---\nno es front matter\n---\nLunes a sábado.\n")
    put(edu, "reservado", title="Carpeta reservada", category="files", markdown="x\n")
    put(edu, "raro", title="Categoría rara", category="../Fuera:de*sitio", markdown="y\n")
    csv = upload(edu, "horario", "turnos.csv", CSV)  # listed, never referenced
    # A staff draft, and an archived page.
    put(S["sam"], "borrador-de-sam", title="Borrador de Samuel", kind="lesson",
        markdown="Borrador.\n")
    put(edu, "antiguo", title="Procedimiento antiguo", markdown="Ya no se usa.\n")
    db = srv.db()
    try:
        db.execute("UPDATE pages SET status = 'archived' WHERE slug = 'antiguo'")
        db.execute("UPDATE pages SET owner_id = (SELECT id FROM users WHERE username = 'mia'), "
                   "backup_owner_id = (SELECT id FROM users WHERE username = 'edu'), "
                   "review_days = 90 WHERE slug = 'devolucion-fuera-de-plazo'")
        db.commit()
    finally:
        db.close()
    S["png"], S["pdf"], S["csv"] = png["hash"], pdf["hash"], csv["hash"]
    S["before"] = snapshot(srv)
    check(len(S["before"][0]) == 7 and len(S["before"][1]) == 3, "setup: %r",
          (sorted(S["before"][0]), sorted(S["before"][1])))


def test_export_layout(srv):
    out = os.path.join(srv.dir, "export")
    r = srv.cli("export", out, "--history")
    text = r.stdout.decode()
    check("7 pages" in text and "3 attachments" in text, "summary: %r", text)
    S["export"] = out
    f = os.path.join(out, "Caja", "Devoluciones", "devolucion-fuera-de-plazo.md")
    check(os.path.isfile(f), "no %s; have %r", f, sorted(os.walk(out)))
    with open(f, encoding="utf-8") as fh:
        body = fh.read()
    check(body.startswith('---\ntitle: "Devolución fuera de plazo"\n'), "front matter: %r",
          body[:200])
    for line in ('slug: "devolucion-fuera-de-plazo"', 'kind: "procedure"',
                 'status: "published"', 'category: "Caja/Devoluciones"',
                 'tags: "caja, devoluciones"', 'owner: "mia"', 'backup_owner: "edu"',
                 'review_days: "90"'):
        check(line + "\n" in body, "no %r in %r", line, body[:400])
    check(body.endswith("/files/%s)\n\n- [ ] Pedir el ticket\n- [x] Llamar al encargado\n"
                        "\n| a | b |\n|---|---|\n| 1 | 2 |\n" % S["pdf"]), "body: %r", body)
    lesson = open(os.path.join(out, "Atención", "cliente-sin-ticket.md"), encoding="utf-8").read()
    for line in ('procedure: "devolucion-fuera-de-plazo"', 'bent_rule: "true"',
                 'rule: "Sin ticket no hay devolución"', 'outcome: "positive"',
                 'happened_on: "2026-11-02"'):
        check(line + "\n" in lesson, "no %r in %r", line, lesson)
    check(os.path.isfile(os.path.join(out, "horario.md")), "uncategorised page not at the top")
    check(os.path.isfile(os.path.join(out, "files_", "reservado.md")),
          "category 'files' must not land in the attachments folder")
    # "../Fuera:de*sitio" stays inside DIR.
    found = [os.path.join(d, n) for d, _, ns in os.walk(out) for n in ns if n == "raro.md"]
    check(len(found) == 1 and os.path.realpath(found[0]).startswith(os.path.realpath(out) + "/"),
          "raro.md at %r", found)
    check(":" not in found[0] and "*" not in found[0], "unsafe folder name %r", found[0])
    for h, ext, data in ((S["png"], "png", PNG), (S["pdf"], "pdf", PDF), (S["csv"], "csv", CSV)):
        p = os.path.join(out, "files", "%s.%s" % (h, ext))
        check(open(p, "rb").read() == data, "%s differs", p)
    hist = os.path.join(out, "history", "devolucion-fuera-de-plazo")
    check(sorted(os.listdir(hist)) == ["1.md", "2.md", "3.md"], "history: %r", os.listdir(hist))
    h2 = open(os.path.join(hist, "2.md"), encoding="utf-8").read()
    for line in ('rev: "2"', 'author: "edu"', 'comment: "segunda"'):
        check(line + "\n" in h2, "no %r in %r", line, h2)
    check("saved_at: \"20" in h2 and h2.endswith("---\nSegunda versión.\n"), "history 2: %r", h2)
    nrev = srv.scalar("SELECT count(*) FROM revisions")
    nhist = sum(len(ns) for d, _, ns in os.walk(os.path.join(out, "history")))
    check(nhist == nrev, "%d history files for %d revisions", nhist, nrev)


def test_export_refuses_non_empty_dir(srv):
    r = srv.cli("export", S["export"], check=False)
    check(r.returncode != 0, "export into a non-empty folder succeeded")
    check(b"not empty" in r.stderr, "unclear error: %r", r.stderr)
    f = os.path.join(srv.dir, "a-file")
    open(f, "w").close()
    r = srv.cli("export", f, check=False)
    check(r.returncode != 0, "export onto a file succeeded")
    empty = os.path.join(srv.dir, "empty")
    os.mkdir(empty)
    srv.cli("export", empty)  # an existing empty folder is fine
    check(os.path.isdir(os.path.join(empty, "files")), "nothing exported into the empty folder")


def fresh_server():
    other = harness.Server()
    for name, role, display in USERS:
        other.add_user(name, role, display=display)
    return other


def test_import_round_trip(srv):
    other = fresh_server()
    try:
        r = other.cli("import", S["export"], check=False)
        out = r.stdout.decode() + r.stderr.decode()
        check(r.returncode == 0, "import failed: %s", out)
        check("3 attachments loaded" in out, "summary: %s", out)
        pages, files, links = snapshot(other)
        bp, bf, bl = S["before"]
        check(sorted(pages) == sorted(bp), "slugs: %r vs %r", sorted(pages), sorted(bp))
        for slug in bp:
            for k in bp[slug]:
                check(pages[slug][k] == bp[slug][k], "%s.%s: %r, exported %r", slug, k,
                      pages[slug][k], bp[slug][k])
        check(files == bf, "attachments differ: %r vs %r", sorted(files), sorted(bf))
        check(links == bl, "page_files differ: %r vs %r", links, bl)
        # The imported copy serves its files like the original.
        other.start()
        c = other.client(token=other.token("rita"))
        r = status(c.get("/files/" + S["pdf"]), 200)
        check(r.body == PDF and "Pol" in r.header("Content-Disposition"), "served %r",
              r.header("Content-Disposition"))
        # Importing the same folder again changes nothing.
        other.stop()
        r = other.cli("import", S["export"], check=False)
        check(snapshot(other) == (pages, files, links), "a second import changed the data")
    finally:
        other.cleanup()


def test_import_links_by_reference_and_checks_hashes(srv):
    """A hand-made folder: no index.json, a tampered file, a stray name."""
    d = os.path.join(srv.dir, "handmade")
    os.makedirs(os.path.join(d, "files"))
    good = b"%PDF-1.4\n% bueno\n%%EOF\n"
    bad = b"%PDF-1.4\n% original\n%%EOF\n"
    with open(os.path.join(d, "files", blake(good) + ".pdf"), "wb") as f:
        f.write(good)
    with open(os.path.join(d, "files", blake(bad) + ".pdf"), "wb") as f:
        f.write(bad.replace(b"original", b"cambiado"))
    with open(os.path.join(d, "files", "notas.txt"), "wb") as f:
        f.write(b"hola\n")
    html = b"<!DOCTYPE html><script>alert(1)</script>"
    with open(os.path.join(d, "files", blake(html) + ".png"), "wb") as f:
        f.write(html)
    with open(os.path.join(d, "guia.md"), "w", encoding="utf-8") as f:
        f.write("# Guía\n\n[manual](/files/%s) y [otro](/files/%s)\n\n`/files/%s`\n"
                % (blake(good), blake(bad), "0" * 64))
    other = fresh_server()
    try:
        r = other.cli("import", d, check=False)
        err = r.stderr.decode()
        check(r.returncode == 1, "import with bad files should exit 1: %d", r.returncode)
        check(blake(bad) in err and "BLAKE2b" in err, "tampered file not reported: %s", err)
        check("notas.txt" in err and blake(html) in err, "stray files not reported: %s", err)
        check(other.query("SELECT hash FROM attachments") == [(blake(good),)],
              "stored: %r", other.query("SELECT hash FROM attachments"))
        check(other.query("SELECT p.slug, pf.hash FROM page_files pf JOIN pages p "
                          "ON p.id = pf.page_id") == [("guia", blake(good))], "links")
    finally:
        other.cleanup()


def test_import_leaves_out_a_day_that_does_not_exist(srv):
    """A lesson's happened_on that is not a real day is left out, like an
    outcome that is not one; the rest of the lesson is imported."""
    d = os.path.join(srv.dir, "lessons_days")
    os.makedirs(d)
    for name, day in (("buena", "2026-02-28"), ("mala", "2026-02-30"), ("rara", "2026-+2-01")):
        with open(os.path.join(d, name + ".md"), "w", encoding="utf-8") as f:
            f.write('---\ntitle: "Caso %s"\nkind: "lesson"\nrule: "Regla"\n'
                    'happened_on: "%s"\n---\nLo que pasó.\n' % (name, day))
    other = fresh_server()
    try:
        r = other.cli("import", d, check=False)
        check(r.returncode == 0, "import failed: %s", r.stderr.decode())
        rows = other.query("SELECT p.slug, l.rule, l.happened_on FROM lessons l "
                           "JOIN pages p ON p.id = l.page_id ORDER BY p.slug")
        check(rows == [("buena", "Regla", "2026-02-28"), ("mala", "Regla", None),
                       ("rara", "Regla", None)], "lessons: %r", rows)
    finally:
        other.cleanup()


def test_backup_under_write_load(srv):
    before = srv.scalar("SELECT count(*) FROM pages")
    stop = threading.Event()
    saved = []
    errors = []

    def writer():
        c = S["writer"]
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = c.api("PUT", "/api/v1/pages/carga-%d" % i,
                          {"title": "Carga %d" % i, "markdown": ("Línea %d.\n" % i) * 200})
                if r.status == 201:
                    saved.append(i)
                else:
                    errors.append(r.status)
            except Exception as e:  # noqa: BLE001 - report, do not hang
                errors.append(repr(e))

    S["writer"] = srv.client(token=srv.token("edu"))
    t = threading.Thread(target=writer)
    t.start()
    try:
        deadline = time.time() + 10
        while len(saved) < 5 and time.time() < deadline:
            time.sleep(0.02)
        at_start = srv.scalar("SELECT count(*) FROM pages")
        backup = os.path.join(srv.dir, "copia.db")
        r = srv.cli("backup", backup, check=False)
        after_backup = len(saved)
        deadline = time.time() + 10
        while len(saved) <= after_backup + 3 and time.time() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        t.join(timeout=30)
    check(r.returncode == 0, "backup failed: %s", r.stderr.decode())
    check(b"checked, ok" in r.stdout, "backup did not check itself: %r", r.stdout)
    check(not errors, "the writer saw errors during the backup: %r", errors[:5])
    check(len(saved) > after_backup >= 5, "the writer did not keep writing around the backup: "
          "%d saves, %d when the backup ended", len(saved), after_backup)
    chk = subprocess.run([harness.BINARY, "check", "--db", backup], capture_output=True,
                         env=srv.env, timeout=60)
    check(chk.returncode == 0 and b"check: ok" in chk.stdout, "check of the backup: %r %r",
          chk.stdout, chk.stderr)
    copy = harness.Server()
    try:
        shutil.copy(backup, copy.db_path)
        n = copy.scalar("SELECT count(*) FROM pages")
        check(n >= at_start >= before, "backup has %d pages, %d before it started", n, at_start)
        copy.start()  # the copy opens and serves
        c = copy.client(token=copy.token("edu"))
        r = status(c.api("GET", "/api/v1/pages/devolucion-fuera-de-plazo"), 200)
        check("/files/" + S["png"] in r.json()["markdown"], "the backup lost the page text")
        status(c.get("/files/" + S["png"]), 200)
    finally:
        copy.cleanup()
