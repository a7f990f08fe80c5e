"""Helper of bench/search.sh (not a test): the searches that cost the
most, one at a time, on a server run with --no-search-cache.

    python3 bench/search_slowest.py URL COOKIE QUERIES [N]

Runs each search of QUERIES (one URL path a line) 9 times on one
keep-alive connection and prints the N slowest (default 5) by their
median time, with the number of pages each matches: p99 at 16 clients
is made of these (each is 1 of 87, and a client waits for them).
Times are as a client sees them, its own overhead included (about
0.1 ms here).
"""
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def main():
    url, cookie, queries = sys.argv[1], sys.argv[2], sys.argv[3]
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    paths = [line.strip() for line in open(queries, encoding="utf-8") if line.strip()]
    rows = []
    for path in paths:
        times = []
        total = None
        for _ in range(9):
            t = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie})
            r = conn.getresponse()
            body = r.read()
            times.append(time.perf_counter() - t)
        if r.status == 200:
            total = json.loads(body).get("total")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("q", [""])[0]
        rows.append((statistics.median(times) * 1000, q, total))
    rows.sort(reverse=True)
    mean = sum(r[0] for r in rows) / len(rows)
    print("slowest searches, never seen (1 client, median of 9; mean of all %.2f ms):" % mean)
    for ms, q, total in rows[:top]:
        print("  %6.2f ms  %-36s %s pages" % (ms, q, total))


if __name__ == "__main__":
    main()
