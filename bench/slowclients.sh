#!/bin/sh
# make bench-slowclients: 1,000 connections that each send one header byte
# a second (slowloris) while a probe keeps viewing a page on fresh
# connections: the views must keep being answered. Also reports when the
# server closes the slow connections: --header-timeout (10 s) after a
# request's first byte; a silent one after 20 s of inactivity (not an option).
#   CONNS=1000  TRICKLE=60 (s, at most)  SILENT=40 (s to wait for the idle close)
#   HEADER_TIMEOUT=10 (s, the server's --header-timeout)
#   PAGE=/p/SLUG (default: the corpus page of median size)
set -eu
cd "$(dirname "$0")/.."
CONNS=${CONNS:-1000}
# 1,000 sockets here plus the server's; the server raises its own limit.
# shellcheck disable=SC3045 # dash (Debian's sh) has ulimit -n and -H
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
. bench/lib.sh
trap bench_stop EXIT
bench_load_corpus >/dev/null
bench_start --header-timeout "${HEADER_TIMEOUT:-10}"
PAGE=${PAGE:-/p/$(sqlite3 "$DB" "SELECT p.slug FROM pages p JOIN revisions r ON r.page_id = p.id
	AND r.n = p.current_rev ORDER BY length(r.markdown) LIMIT 1 OFFSET (SELECT count(*) / 2 FROM pages)")}
python3 bench/slowclients_run.py 127.0.0.1 "$PORT" "$COOKIE" "$CONNS" "${TRICKLE:-60}" "${SILENT:-40}" "$PAGE" \
	"${HEADER_TIMEOUT:-10}"
