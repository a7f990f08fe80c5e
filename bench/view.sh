#!/bin/sh
# make bench: page views with the 348 corpus pages, at 1, 16 and 64
# connections (one page, then random pages), and page saves.
# Targets (2 cores): >= 30,000 req/s at 16 connections, p99 < 5 ms; save p99 < 20 ms.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
trap bench_stop EXIT
bench_load_corpus
bench_start
sqlite3 "$DB" "SELECT '/p/' || slug FROM pages" >"$DIR/pages.txt"
echo "page views ($(wc -l <"$DIR/pages.txt") pages, logged in, $(nproc) cores):"
# One page of median size (2.8 KB of Markdown), one large one (23 KB).
for c in 1 16 64; do
	bench_wrk "view /p/mktemp-1" $c "$URL/p/mktemp-1"
done
bench_wrk "view /p/apt-cache-8 (large)" 16 "$URL/p/apt-cache-8"
for c in 1 16 64; do
	PAGES="$DIR/pages.txt" bench_wrk "view random page" $c "$URL/" -s bench/random.lua
done
bench_wrk "static /static/oficio.css" 16 "$URL/static/oficio.css"
python3 bench/saves.py "$URL" bench "$PW"
