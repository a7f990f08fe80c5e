"""Attachments: upload through the API (raw body or multipart) and the
editor's form, content-addressed storage with deduplication, the size cap
(413, nothing stored), the type allow-list decided from the bytes (an HTML
file renamed .png, SVG, macros: refused, nothing stored), who may upload
(readers 403), and who may fetch /files/{hash} (only readers of a page that
lists it; everyone else 404, never 403), with immutable private caching,
ETag, and Content-Disposition for downloads.

Tests run in file order and share state through S.
"""
import hashlib
import io
import os
import secrets
import urllib.parse
import zipfile

from util import check, json_error, redirect_to, status

S = {}
CAP = 10 * 1024 * 1024  # the default --max-upload

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(1)</script></svg>\n')
CSV = "fecha;importe;motivo\n2026-11-02;12,50;talla\n".encode()


def blake(data):
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def count(srv, table):
    return srv.scalar("SELECT count(*) FROM %s" % table)


def zip_bytes(entries, stored_first=None):
    """A zip made of (name, bytes); stored_first is written first, uncompressed."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(zipfile.ZipInfo(stored_first[0]), stored_first[1],
                       compress_type=zipfile.ZIP_STORED)
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()


DOCX = zip_bytes([("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<Relationships/>"),
                  ("word/document.xml", "<w:document/>")])
DOCM = zip_bytes([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"),
                  ("word/vbaProject.bin", "macro")])
ODT = zip_bytes([("content.xml", "<office:document-content/>"),
                 ("META-INF/manifest.xml", "<manifest/>")],
                stored_first=("mimetype", "application/vnd.oasis.opendocument.text"))
ZIP = zip_bytes([("notas.txt", "hola")])


def multipart(fields=None, files=None):
    """(body, content type) of a multipart/form-data request."""
    boundary = "oficio" + secrets.token_hex(12)
    out = []
    for name, value in (fields or {}).items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for name, (filename, data, ctype) in (files or {}).items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode())
        out.append(data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def api_raw(client, slug, data, filename=None, ctype="application/octet-stream"):
    path = "/api/v1/pages/%s/attachments" % slug
    if filename:
        path += "?filename=" + urllib.parse.quote(filename)
    h = {"Content-Type": ctype}
    if client.csrf and not client.token:
        h["X-CSRF-Token"] = client.csrf
    return client.request("POST", path, body=data, headers=h, raw=True)


def api_multipart(client, slug, filename, data, ctype="application/octet-stream"):
    body, ct = multipart(files={"file": (filename, data, ctype)})
    return client.request("POST", "/api/v1/pages/%s/attachments" % slug, body=body,
                          headers={"Content-Type": ct}, raw=True)


def form_upload(client, slug, filename, data, ctype="application/octet-stream", csrf=True):
    fields = {}
    if csrf:
        fields["csrf"] = client.csrf
    body, ct = multipart(fields, {"file": (filename, data, ctype)})
    return client.request("POST", "/p/%s/files" % slug, body=body,
                          headers={"Content-Type": ct}, raw=True)


def setup(srv):
    srv.add_user("edu", "editor", display="Eduardo")
    srv.add_user("sam", "staff", display="Samuel")
    srv.add_user("sol", "staff", display="Soledad")
    srv.add_user("rita", "reader", display="Rita")


def test_pages(srv):
    for who in ("edu", "sam", "sol", "rita"):
        S[who] = srv.client(token=srv.token(who))
    for slug, title in (("caja", "Apertura de caja"), ("tienda", "Tienda")):
        status(S["edu"].api("PUT", "/api/v1/pages/" + slug,
                            {"title": title, "markdown": "Texto de %s.\n" % slug}), 201)
    # A staff member's new page is her draft: only she and editors see it.
    r = status(S["sam"].api("PUT", "/api/v1/pages/borrador-sam",
                            {"title": "Borrador de Samuel", "kind": "lesson",
                             "markdown": "Lo que pasó.\n"}), 201)
    check(r.json()["status"] == "draft", "a staff page should start as a draft: %r", r.json())
    check(count(srv, "attachments") == 0, "attachments before any upload")


def test_upload_raw_png(srv):
    r = status(api_raw(S["edu"], "caja", PNG, "logo.png", "image/png"), 201)
    j = r.json()
    h = blake(PNG)
    check(j["hash"] == h, "hash %r, expected BLAKE2b-256 %r", j["hash"], h)
    check(j["url"] == "/files/" + h, "url %r", j["url"])
    check(j["mime"] == "image/png" and j["size"] == len(PNG), "type/size %r", j)
    check(j["markdown"] == "![logo.png](/files/%s)" % h, "markdown %r", j["markdown"])
    check(srv.query("SELECT hash, size, mime, data FROM attachments") ==
          [(h, len(PNG), "image/png", PNG)], "stored attachment differs")
    check(srv.query("SELECT p.slug, pf.filename FROM page_files pf JOIN pages p "
                    "ON p.id = pf.page_id") == [("caja", "logo.png")], "page_files row")
    S["png"] = h


def test_fetch_published_attachment(srv):
    h = S["png"]
    r = status(S["rita"].get("/files/" + h), 200)
    check(r.body == PNG, "served bytes differ")
    check(r.header("Content-Type") == "image/png", "type %r", r.header("Content-Type"))
    check(r.header("Cache-Control") == "private, max-age=31536000, immutable",
          "Cache-Control %r", r.header("Cache-Control"))
    check(r.header("ETag") == '"%s"' % h, "ETag %r", r.header("ETag"))
    check(r.header("X-Content-Type-Options") == "nosniff", "no nosniff")
    check((r.header("Content-Disposition") or "").startswith("inline"),
          "an image should be inline: %r", r.header("Content-Disposition"))
    r = status(S["rita"].get("/files/" + h, headers={"If-None-Match": '"%s"' % h}), 304)
    check(r.body == b"", "a 304 with a body")
    check(r.header("ETag") == '"%s"' % h, "304 without ETag")


def test_dedup(srv):
    h = S["png"]
    # Same bytes, another page, multipart this time: one attachment, two links.
    r = status(api_multipart(S["edu"], "tienda", "otro-nombre.png", PNG, "image/png"), 201)
    check(r.json()["hash"] == h and r.json()["created"] is False, "dedup answer %r", r.json())
    check(count(srv, "attachments") == 1, "same bytes stored twice")
    check(count(srv, "page_files") == 2, "second page not linked")
    # Same bytes, same page again: nothing new at all.
    r = status(api_raw(S["edu"], "caja", PNG, "logo.png", "image/png"), 200)
    check(count(srv, "attachments") == 1 and count(srv, "page_files") == 2,
          "a repeated upload changed the store")


def test_list_api(srv):
    r = status(S["rita"].api("GET", "/api/v1/pages/caja/attachments"), 200)
    items = r.json()["attachments"]
    check(len(items) == 1 and items[0]["hash"] == S["png"] and items[0]["is_image"],
          "list %r", items)
    json_error(S["rita"].api("GET", "/api/v1/pages/borrador-sam/attachments"), 404)


def test_over_cap_is_413_nothing_stored(srv):
    before = (count(srv, "attachments"), count(srv, "page_files"))
    big = PNG + b"\0" * (CAP + 1 - len(PNG))
    json_error(api_raw(S["edu"], "caja", big, "grande.png", "image/png"), 413)
    json_error(api_multipart(S["edu"], "caja", "grande.png", big, "image/png"), 413)
    # Exactly at the cap is fine (and then stored once).
    exact = PDF + b"%" * (CAP - len(PDF))
    r = status(api_raw(S["edu"], "caja", exact, "justo.pdf", "application/pdf"), 201)
    check(r.json()["size"] == CAP, "size %r", r.json()["size"])
    after = (count(srv, "attachments"), count(srv, "page_files"))
    check(after == (before[0] + 1, before[1] + 1), "store changed by the refused uploads: %r -> %r",
          before, after)
    check(srv.scalar("SELECT count(*) FROM attachments WHERE size > ?", CAP) == 0,
          "something over the cap was stored")


def test_refused_types_nothing_stored(srv):
    before = (count(srv, "attachments"), count(srv, "page_files"))
    refused = [
        ("pagina.png", HTML, "image/png"),          # HTML renamed .png
        ("pagina.html", HTML, "text/html"),
        ("notas.txt", HTML, "text/plain"),          # HTML renamed .txt
        ("dibujo.svg", SVG, "image/svg+xml"),
        ("dibujo.png", SVG, "image/png"),
        ("texto.txt", b"hola\n<script>alert(1)</script>\n", "text/plain"),
        ("macro.docx", DOCM, "application/octet-stream"),
        ("archivo.zip", ZIP, "application/zip"),
        ("programa", b"\x7fELF\x02\x01\x01\0" + b"\0" * 64, "application/octet-stream"),
        ("nul.txt", b"texto\0con nul", "text/plain"),
        ("latin1.txt", "año".encode("latin-1"), "text/plain"),
        ("foto.png", PDF, "image/png"),             # name and content disagree
    ]
    for name, data, ctype in refused:
        r = api_raw(S["edu"], "caja", data, name, ctype)
        json_error(r, 415)
        r = api_multipart(S["edu"], "caja", name, data, ctype)
        json_error(r, 415)
    after = (count(srv, "attachments"), count(srv, "page_files"))
    check(after == before, "a refused file was stored: %r -> %r", before, after)
    json_error(api_raw(S["edu"], "caja", b"", "vacio.txt", "text/plain"), 400)


def test_accepted_types(srv):
    for name, data, mime in (
            ("informe.pdf", PDF, "application/pdf"),
            ("datos.csv", CSV, "text/csv; charset=utf-8"),
            ("notas.txt", "Nota: el cliente pagó 3 € < 5 €.\n".encode(), "text/plain; charset=utf-8"),
            ("carta.docx", DOCX,
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("carta.odt", ODT, "application/vnd.oasis.opendocument.text"),
            ("foto.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
            ("foto.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 20, "image/jpeg"),
            ("foto.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\0" * 14, "image/webp")):
        r = status(api_multipart(S["edu"], "caja", name, data), 201)
        j = r.json()
        check(j["mime"] == mime, "%s typed %r, expected %r", name, j["mime"], mime)
        check(j["markdown"].startswith("!" if mime.startswith("image/") else "["),
              "snippet %r", j["markdown"])
        S[name] = j["hash"]


def test_download_disposition(srv):
    h = S["informe.pdf"]
    name = "Política de devoluciones.pdf"
    status(api_raw(S["edu"], "tienda", PDF, name, "application/pdf"), 201)
    r = status(S["rita"].get("/files/" + h), 200)
    check(r.header("Content-Type") == "application/pdf", "type %r", r.header("Content-Type"))
    cd = r.header("Content-Disposition") or ""
    check(cd.startswith("attachment;"), "a PDF must download: %r", cd)
    check('filename="' in cd and "filename*=UTF-8''" in cd, "RFC 6266 names missing: %r", cd)
    ascii_part = cd.split('filename="')[1].split('"')[0]
    check(all(32 <= ord(c) < 127 for c in ascii_part), "fallback name not ASCII: %r", cd)
    # The first page that lists it (caja, as informe.pdf) names it.
    check("informe.pdf" in cd, "file name lost: %r", cd)
    r = status(S["rita"].get("/files/" + S["datos.csv"]), 200)
    check(r.header("Content-Type") == "text/csv; charset=utf-8", "csv type %r",
          r.header("Content-Type"))
    check((r.header("Content-Disposition") or "").startswith("attachment;"), "csv must download")
    check(r.body == CSV, "csv bytes differ")


def test_utf8_filename_star(srv):
    data = b"%PDF-1.5\n% nombre con acentos\n%%EOF\n"
    status(api_raw(S["edu"], "tienda", data, "Política de devoluciones.pdf",
                   "application/pdf"), 201)
    cd = status(S["rita"].get("/files/" + blake(data)), 200).header("Content-Disposition")
    check("filename*=UTF-8''Pol%C3%ADtica%20de%20devoluciones.pdf" in cd,
          "filename* not percent-encoded UTF-8: %r", cd)


def test_who_may_upload(srv):
    json_error(api_raw(S["rita"], "caja", PNG, "x.png"), 403)
    json_error(api_raw(srv.client(), "caja", PNG, "x.png"), 401)
    # Staff may attach to a published page (as a proposal would) ...
    data = b"GIF87a\x01\x00\x01\x00\x00\x00\x00;staff"
    status(api_raw(S["sam"], "caja", data, "de-sam.gif"), 201)
    # ... but not to someone else's draft, which they cannot see.
    json_error(api_raw(S["sol"], "borrador-sam", PNG, "x.png"), 404)
    json_error(api_raw(S["edu"], "no-existe", PNG, "x.png"), 404)


def test_draft_attachment_is_private(srv):
    secret = b"%PDF-1.7\nborrador confidencial\n%%EOF\n"
    r = status(api_raw(S["sam"], "borrador-sam", secret, "secreto.pdf"), 201)
    h = r.json()["hash"]
    check(h == blake(secret), "hash")
    # Readers and other staff cannot see the draft: 404, as for no file at all.
    for who in ("rita", "sol"):
        r = S[who].get("/files/" + h)
        check(r.status == 404, "%s fetched a draft's attachment: %d", who, r.status)
        check(secret not in r.body, "leaked bytes")
    missing = status(S["rita"].get("/files/" + "0" * 64), 404)
    check(missing.status == 404, "unknown hash")
    # The author and editors can.
    for who in ("sam", "edu"):
        r = status(S[who].get("/files/" + h), 200)
        check(r.body == secret, "%s got other bytes", who)
    # Linking the hash from a published page's Markdown grants nothing.
    status(S["edu"].api("PUT", "/api/v1/pages/enlaza",
                        {"title": "Enlaza", "markdown": "[secreto](/files/%s)\n" % h}), 201)
    check(S["rita"].get("/files/" + h).status == 404, "a Markdown link opened a draft's file")


def test_bad_hashes_404(srv):
    for path in ("/files/" + S["png"].upper(), "/files/" + S["png"][:-1], "/files/abc",
                 "/files/" + S["png"] + ".png"):
        check(S["rita"].get(path).status == 404, "%s should be 404", path)
    anon = srv.client()
    r = anon.get("/files/" + S["png"])
    check(r.status in (302, 303, 401), "anonymous without --public-read: %d", r.status)


def test_form_upload(srv):
    c = srv.client()
    status(c.login("edu"), 303)
    check(c.csrf, "no CSRF token after login")
    data = b"%PDF-1.3\nsubido desde el editor\n%%EOF\n"
    before = count(srv, "attachments")
    r = form_upload(c, "caja", "guia.pdf", data, "application/pdf", csrf=False)
    check(r.status == 403, "upload without CSRF: %d", r.status)
    check(count(srv, "attachments") == before, "stored without CSRF")
    r = form_upload(c, "caja", "guia.pdf", data, "application/pdf")
    redirect_to(r, "/p/caja/edit")
    check(count(srv, "attachments") == before + 1, "form upload not stored")
    # Refusals answer an HTML page with the status, and store nothing.
    n = count(srv, "attachments")
    r = form_upload(c, "caja", "pagina.png", HTML, "image/png")
    check(r.status == 415 and "text/html" in (r.header("Content-Type") or ""),
          "HTML renamed .png via the form: %d %r", r.status, r.header("Content-Type"))
    r = form_upload(c, "caja", "vacio.txt", b"", "text/plain")
    check(r.status == 400, "an empty file part: %d", r.status)
    big = PNG + b"\0" * (CAP + 10 - len(PNG))
    r = form_upload(c, "caja", "grande.png", big, "image/png")
    check(r.status == 413, "over the cap via the form: %d", r.status)
    check(count(srv, "attachments") == n, "a refused form upload was stored")
    # A reader's session is refused by role.
    rc = srv.client()
    status(rc.login("rita"), 303)
    r = form_upload(rc, "caja", "x.pdf", data, "application/pdf")
    check(r.status == 403, "a reader uploaded via the form: %d", r.status)


def test_cookie_api_needs_csrf_header(srv):
    c = srv.client()
    status(c.login("edu"), 303)
    data = b"%PDF-1.3\ncookie api\n%%EOF\n"
    token = c.csrf
    c.csrf = None
    r = api_raw(c, "caja", data, "c.pdf")
    check(r.status == 403, "cookie API upload without X-CSRF-Token: %d", r.status)
    c.csrf = token
    status(api_raw(c, "caja", data, "c.pdf"), 201)


def test_far_over_cap(srv):
    before = count(srv, "attachments")
    big = PNG + os.urandom(CAP + 200 * 1024)
    try:
        r = api_raw(S["edu"], "caja", big, "enorme.png", "image/png")
        check(r.status == 413, "far over the cap: %d", r.status)
    except (ConnectionError, OSError):
        pass  # the server may close the connection before reading it all
    check(count(srv, "attachments") == before, "stored something far over the cap")
