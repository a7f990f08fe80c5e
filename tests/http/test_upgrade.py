"""Upgrading keeps everything: the current binary starts on a copy of
tests/fixtures/schema1.db (a database an Oficio at schema 1 wrote; see
tests/fixtures/make_schema1.py), applies every migration in schema/, and
every user, page, revision, tag, lesson, proposal, token and attachment
is still there, unchanged, and still works.

As migrations are added this keeps proving the oldest upgrade path. A
migration that renames or drops a column this test reads must change the
test on purpose, saying where the data went.
"""
import glob
import json
import os
import shutil
import sqlite3

import harness
from util import check, redirect_to, status

FIXTURES = os.path.join(harness.ROOT, "tests", "fixtures")
with open(os.path.join(FIXTURES, "schema1.json"), encoding="utf-8") as _f:
    M = json.load(_f)
S = {}


def highest_schema():
    files = glob.glob(os.path.join(harness.ROOT, "schema", "[0-9][0-9][0-9]_*.sql"))
    return max(int(os.path.basename(f)[:3]) for f in files)


# What schema 1 held, read with the columns schema 1 had.
SNAPSHOT = {
    "users": "SELECT id, username, display_name, role, pw_hash, active, language, created_at "
             "FROM users ORDER BY id",
    "api_tokens": "SELECT id, token_hash, user_id, created_at, revoked FROM api_tokens ORDER BY id",
    "pages": "SELECT id, slug, kind, title, category, status, current_rev, ack_rev, created_by, "
             "created_at, owner_id, backup_owner_id, review_days, verified_at, verified_by "
             "FROM pages ORDER BY id",
    "revisions": "SELECT page_id, n, title, markdown, text, authors, author_id, created_at, "
                 "comment, significant, restored_from FROM revisions ORDER BY page_id, n",
    "page_tags": "SELECT page_id, tag FROM page_tags ORDER BY page_id, tag",
    "links": "SELECT from_page, to_slug FROM links ORDER BY from_page, to_slug",
    "lessons": "SELECT page_id, procedure_id, bent_rule, rule, outcome, happened_on FROM lessons "
               "ORDER BY page_id",
    "proposals": "SELECT id, page_id, base_rev, title, markdown, comment, author_id, status "
                 "FROM proposals ORDER BY id",
    "attachments": "SELECT hash, size, mime, data FROM attachments ORDER BY hash",
    "page_files": "SELECT page_id, hash, filename FROM page_files ORDER BY page_id, hash",
    "page_text": "SELECT id, title, headings, tags, body FROM page_text ORDER BY id",
}


def snapshot(path):
    c = sqlite3.connect(path)
    try:
        return {k: c.execute(q).fetchall() for k, q in SNAPSHOT.items()}
    finally:
        c.close()


def setup(srv):
    shutil.copy(os.path.join(FIXTURES, "schema1.db"), srv.db_path)
    c = sqlite3.connect(srv.db_path)
    S["version_before"] = c.execute("PRAGMA user_version").fetchone()[0]
    c.close()
    S["before"] = snapshot(srv.db_path)
    # run.py starts the server next: the migrations run then.


def client(srv, who):
    return srv.client(token=M["tokens"][who])


def test_fixture_is_schema_1(srv):
    check(S["version_before"] == 1 == M["schema"], "the fixture is at schema %r",
          S["version_before"])
    check(len(S["before"]["revisions"]) == sum(len(p["revisions"]) for p in M["pages"].values()),
          "the fixture does not hold the revisions its manifest lists")


def test_migrated_to_the_latest_schema(srv):
    v = srv.scalar("PRAGMA user_version")
    check(v == highest_schema(), "schema version %r after start, schema/ goes to %d",
          v, highest_schema())
    j = status(srv.client().get("/healthz"), 200).json()
    check(j.get("schema") == highest_schema(), "/healthz says schema %r", j.get("schema"))


def test_every_row_is_kept_unchanged(srv):
    after = snapshot(srv.db_path)
    for table, rows in S["before"].items():
        missing = [r for r in rows if r not in after[table]]
        check(not missing, "%s: %d row(s) of schema 1 changed or gone after the upgrade, e.g. %r",
              table, len(missing), missing[:1])
        check(len(after[table]) == len(rows), "%s: %d rows before, %d after", table, len(rows),
              len(after[table]))


def test_pages_and_every_revision_through_the_api(srv):
    for slug, p in M["pages"].items():
        c = client(srv, p["read_as"])
        got = status(c.get("/api/v1/pages/" + slug), 200).json()
        for key in ("title", "kind", "status", "category", "rev", "lesson"):
            check(got.get(key) == p[key], "%s: %s is %r, was %r", slug, key, got.get(key), p[key])
        check(sorted(got.get("tags") or []) == p["tags"], "%s: tags %r, were %r", slug,
              got.get("tags"), p["tags"])
        hist = status(c.get("/api/v1/pages/%s/revisions" % slug), 200).json()["revisions"]
        check(sorted(h["n"] for h in hist) == [r["n"] for r in p["revisions"]],
              "%s: history lists %r", slug, [h["n"] for h in hist])
        for r in p["revisions"]:
            rev = status(c.get("/api/v1/pages/%s/revisions/%d" % (slug, r["n"])), 200).json()
            check(rev["markdown"] == r["markdown"] and rev["title"] == r["title"],
                  "%s revision %d differs after the upgrade", slug, r["n"])
        status(srv.client(token=M["tokens"]["ada"]).get("/p/%s/history" % slug), 200)


def test_users_log_in_with_their_roles(srv):
    for u in M["users"]:
        c = srv.client()
        redirect_to(c.login(u["username"], u["password"]), "/")
        role = srv.scalar("SELECT role FROM users WHERE username = ?", u["username"])
        check(role == u["role"], "%s is %r, was %r", u["username"], role, u["role"])
        name = srv.scalar("SELECT display_name FROM users WHERE username = ?", u["username"])
        check(name == u["display_name"], "%s's name is %r", u["username"], name)


def test_tags_list_their_pages(srv):
    c = client(srv, "ada")  # an admin sees drafts too
    for tag in sorted({t for p in M["pages"].values() for t in p["tags"]}):
        want = sorted(s for s, p in M["pages"].items() if tag in p["tags"])
        got = status(c.get("/api/v1/pages?tag=" + tag), 200).json()["pages"]
        check(sorted(g["slug"] for g in got) == want, "tag %s lists %r, expected %r", tag,
              [g["slug"] for g in got], want)


def test_lesson_and_proposal_kept(srv):
    lesson = M["pages"]["cliente-sin-tique"]["lesson"]
    check(lesson and lesson["bent_rule"] is True and lesson["procedure"] ==
          "devolucion-fuera-de-plazo", "the manifest's lesson: %r", lesson)
    p = M["proposal"]
    row = srv.query("SELECT pr.markdown, pr.base_rev, pr.status, u.username FROM proposals pr "
                    "JOIN pages pg ON pg.id = pr.page_id JOIN users u ON u.id = pr.author_id "
                    "WHERE pg.slug = ?", p["page"])
    check(row == [(p["markdown"], p["base_rev"], "pending", p["author"])],
          "the pending proposal after the upgrade: %r", row)


def test_attachment_kept(srv):
    a = M["attachment"]
    r = status(client(srv, "ada").get("/files/" + a["hash"]), 200)
    import hashlib
    check(len(r.body) == a["size"] and
          hashlib.blake2b(r.body, digest_size=32).hexdigest() == a["blake2b"],
          "the attachment's bytes changed")
    files = status(client(srv, "ada").get("/api/v1/pages/%s/attachments" % a["page"]), 200).text
    check(a["hash"] in files and a["filename"] in files, "attachment list: %s", files[:300])


def test_search_finds_upgraded_pages(srv):
    hits = status(client(srv, "ada").get("/api/v1/search?q=extracto"), 200).json()
    check(any(h["slug"] == "devolucion-fuera-de-plazo" for h in hits["results"]),
          "search after the upgrade: %r", hits)
    # Each published page by its title. A tokenizer change without a
    # migration that rebuilds the indexes fails here (and in check).
    import urllib.parse
    missed = []
    for slug, p in M["pages"].items():
        if p["status"] != "published":
            continue
        q = urllib.parse.quote(p["title"])
        hits = status(client(srv, p["read_as"]).get("/api/v1/search?q=" + q), 200).json()
        if not any(h["slug"] == slug for h in hits["results"]):
            missed.append(p["title"])
    check(not missed, "after the upgrade, searching a page's title misses it: %r", missed)


def test_tokens_still_save(srv):
    c = client(srv, "rita")
    cur = status(c.get("/api/v1/pages/cierre-de-caja"), 200).json()
    md = cur["markdown"] + "\n4. Firmar el parte\n"
    r = status(c.api("PUT", "/api/v1/pages/cierre-de-caja",
                     {"markdown": md, "base_rev": cur["rev"]}), 200).json()
    check(r["rev"] == cur["rev"] + 1, "save after upgrade: %r", r)
    now = status(c.get("/api/v1/pages/cierre-de-caja"), 200).json()
    check(now["rev"] == r["rev"] and now["markdown"] == md, "saved text after upgrade: %r", now)
    old = status(c.get("/api/v1/pages/cierre-de-caja/revisions/1"), 200).json()
    check(old["markdown"] == M["pages"]["cierre-de-caja"]["revisions"][0]["markdown"],
          "revision 1 after a new save")


def test_check_after_upgrade(srv):
    out = srv.cli("check").stdout.decode()
    check(out.strip().endswith("check: ok"), "oficio check: %r", out)


def test_restart_applies_nothing_twice(srv):
    before = snapshot(srv.db_path)
    check(srv.stop() == 0, "SIGTERM exit status")
    srv.start()
    check(srv.scalar("PRAGMA user_version") == highest_schema(), "version after a restart")
    check(snapshot(srv.db_path) == before, "a second start changed the data")
