#!/bin/sh
# make bench-loginstorm: page views while 50 clients hammer POST /login with
# wrong passwords. argon2id runs on its own 2-thread pool and the throttle
# (5 failures per account, 20 per address in 15 min) answers 429 before
# any hashing, so views should stay fast.
# Target: page-view p99 during the storm within 2x of its value without.
#   DURATION=10 (s per phase)  CLIENTS=50  CONNS=16 (wrk connections)
#   PAGE=/p/SLUG (default: the corpus page of median size; bench/view.sh
#   measures the largest, /p/bash-1)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
trap bench_stop EXIT
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-50}
CONNS=${CONNS:-16}
USERS=ana,luis,marta,admin,root
bench_load_corpus >/dev/null
for u in ana luis marta; do
	echo "$PW-$u" | "$BIN" user add "$u" --role staff --password-stdin --db "$DB" >/dev/null
done
# --trust-proxy: part of the storm comes "through a proxy", each attempt
# from a new X-Forwarded-For address, so only the per-account throttle
# can stop it. Real argon2id parameters (no OFICIO_WEAK_HASH).
bench_start --trust-proxy
PAGE=${PAGE:-/p/$(sqlite3 "$DB" "SELECT p.slug FROM pages p JOIN revisions r ON r.page_id = p.id
	AND r.n = p.current_rev ORDER BY length(r.markdown) LIMIT 1 OFFSET (SELECT count(*) / 2 FROM pages)")}

# wrk on one page; prints the line and leaves p99 in ms in $DIR/p99.
view() { # label
	out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$URL$PAGE")
	echo "$out" | awk -v label="$1" -v conns="$CONNS" -v dir="$DIR" '
		function ms(v) {
			if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
			if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
			if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
			return v
		}
		/Requests\/sec/ { rps = $2 }
		$1 == "50%" { p50 = $2 }
		$1 == "99%" { p99 = $2 }
		/Non-2xx/ { non2xx = $NF }
		END {
			printf "%-34s c=%-3s %10s req/s   p50 %-9s p99 %-9s%s\n", label, conns, rps, p50, p99, \
				non2xx ? "   non-2xx: " non2xx : ""
			print ms(p99) > (dir "/p99")
		}'
}

storm() { # mode label
	python3 bench/loginstorm_clients.py "$URL" "$((DURATION + 2))" "$CLIENTS" "$1" "$USERS" \
		>"$DIR/storm.json" &
	storm_pid=$!
	sleep 1
	view "$2"
	wait "$storm_pid"
}

echo "login storm: $CLIENTS clients on POST /login, wrk views $PAGE ($(nproc) cores, ${DURATION}s per phase)"
view "view, no storm"
base=$(cat "$DIR/p99")
storm mixed "view during storm (throttled)"
with=$(cat "$DIR/p99")
python3 - "$DIR/storm.json" "$base" "$with" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
base, with_ = float(sys.argv[2]), float(sys.argv[3])
st = s["status"]
print("  storm: %d attempts: %d answered 429 (throttled, no hashing), %d answered 401 "
      "(verified: wrong password), other %s, connection errors %d" % (
          s["attempts"], st.get("429", 0), st.get("401", 0),
          {k: v for k, v in st.items() if k not in ("401", "429")} or "none",
          s["by_origin"].get("connection errors", 0)))
bo = s["by_origin"]
print("    from 127.0.0.1 (per-address throttle):     429: %d, 401: %d" % (bo.get("local 429", 0), bo.get("local 401", 0)))
print("    new X-Forwarded-For each (per-account):    429: %d, 401: %d" % (bo.get("proxied 429", 0), bo.get("proxied 401", 0)))
ratio = with_ / base if base else float("inf")
print("  page-view p99: %.2f ms without, %.2f ms with the storm: %.2fx (target <= 2x: %s)" % (
    base, with_, ratio, "met" if ratio <= 2 else "NOT met"))
PY
# Worst case, for information: every attempt a new name from a new address,
# so no throttle applies and every attempt costs an argon2id verification.
storm spray "view during spray (unthrottled)"
spray=$(cat "$DIR/p99")
python3 - "$DIR/storm.json" "$base" "$spray" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
base, with_ = float(sys.argv[2]), float(sys.argv[3])
st = s["status"]
print("  spray: %d attempts, all verified (401: %d, 429: %d); p99 %.2fx of no storm (information, "
      "no target: the pool's 2 hashing threads compete for the cores)" % (
          s["attempts"], st.get("401", 0), st.get("429", 0), with_ / base if base else 0))
PY
