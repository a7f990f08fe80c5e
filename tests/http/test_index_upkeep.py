"""Search index upkeep: every save leaves a small segment in each FTS5
index, and once the server has seen no write for --index-upkeep seconds
its checkpoint thread merges them (search_upkeep), so that searches read
few segments; every page stays findable."""
import time
import urllib.parse

import harness
from util import check, check_bad_serve_option, status

S = {}
PAGES = 30


def make_server():
    return harness.Server(args=["--index-upkeep", "2"])


def setup(srv):
    srv.add_user("edu", "editor")
    srv.add_user("rita", "reader")


def segments():
    return {t: S["srv"].scalar("SELECT count(DISTINCT segid) FROM %s_idx" % t)
            for t in ("pages_fts", "titles_fts", "words_fts")}


def test_saves_leave_segments_that_a_quiet_server_merges(srv):
    S["srv"] = srv
    api = srv.client(token=srv.token("edu"))
    for i in range(PAGES):
        r = api.api("PUT", "/api/v1/pages/arqueo-%d" % i,
                    {"title": "Arqueo de caja %d" % i, "kind": "procedure",
                     "markdown": "Contar el efectivo del turno %d y anotar la diferencia.\n" % i})
        status(r, 201)
    # Read at once: the upkeep waits for two quiet seconds.
    before = segments()
    check(before["pages_fts"] >= 3, "saves left %r segments", before)
    after = before
    for _ in range(50):
        time.sleep(0.2)
        after = segments()
        if all(n <= 2 for n in after.values()):
            break
    check(all(n <= 2 for n in after.values()),
          "segments %r before, %r ten seconds after the last save", before, after)
    reader = srv.client()
    status(reader.login("rita"), 303)
    r = status(reader.get("/api/v1/search?" + urllib.parse.urlencode(
        {"q": "arqueo efectivo", "limit": 50})), 200)
    check(r.json()["total"] == PAGES, "found %r of %d pages", r.json()["total"], PAGES)
    r = status(reader.get("/api/v1/suggest?q=arqueo+de+ca"), 200)
    check(len(r.json()["results"]) == 8, "suggest: %r", r.json())


def test_bad_index_upkeep_is_refused(srv):
    # A value that is not 0..86400 whole seconds stops `serve` before it
    # opens (or creates) a database or listens anywhere.
    check_bad_serve_option(srv, "--index-upkeep", ("-1", "86401", "abc", "1.5", ""),
                           "--index-upkeep wants 0..86400 seconds")
