#!/bin/sh
# make bench-reports: the managers' reports on a large instance (20,000
# pages, 200 people, 100,000 searches; generated) and saves of a
# 5,000-line page. Not a test: it prints figures.
# Targets: each report renders in < 200 ms; the save's p99 < 50 ms.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
trap bench_stop EXIT
PAGES=${PAGES:-20000}
PEOPLE=${PEOPLE:-200}
echo "$PW" | "$BIN" user add bench --role manager --password-stdin --db "$DB" >/dev/null
python3 bench/reports_gen.py "$DB" "$PAGES" "$PEOPLE"
bench_start
# Time one URL N times with curl: median, p95 and max in ms, and the size.
timeit() { # label url
	label=$1; url=$2; n=${N:-20}
	curl -s -o /dev/null -H "Cookie: $COOKIE" "$url" # warm the statement cache
	for _ in $(seq 1 "$n"); do
		curl -s -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' -H "Cookie: $COOKIE" "$url"
	done | sort -n | awk -v label="$label" '
		{ t[NR] = $1 * 1000; size = $2; code = $3 }
		END { printf "%-34s median %7.1f ms   p95 %7.1f ms   max %7.1f ms   %8d bytes  (HTTP %s)\n",
		      label, t[int((NR + 1) / 2)], t[int(NR * 0.95)], t[NR], size, code }'
}
echo "reports with $PAGES pages and $PEOPLE people ($(nproc) cores):"
timeit "risk (HTML)" "$URL/reports/risk"
timeit "risk, one category (HTML)" "$URL/reports/risk?category=Categor%C3%ADa%2007"
timeit "stale (HTML)" "$URL/reports/stale"
timeit "gaps (HTML)" "$URL/reports/gaps"
timeit "handover of the top author (HTML)" "$URL/reports/handover?user=persona000"
timeit "risk (JSON, every row)" "$URL/api/v1/reports/risk"
timeit "risk (CSV, every row)" "$URL/reports/risk?format=csv"
timeit "stale (CSV, every row)" "$URL/reports/stale?format=csv"
python3 bench/reports_saves.py "$URL" bench "$PW" "${SAVES:-200}"
