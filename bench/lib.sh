# Shared by the benchmarks: a server with the Spanish corpus loaded.
# Sets BIN, DIR, DB, PORT, URL, COOKIE; call bench_stop at the end.
BUILD=${BUILD:-build}
BIN=$(pwd)/$BUILD/oficio
CORPUS=${CORPUS:-../shared/corpus}
DIR=$(mktemp -d /tmp/oficio-bench.XXXXXX)
DB=$DIR/oficio.db
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PW=bench-password-1

bench_start() { # extra serve args
	"$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --quiet "$@" >"$DIR/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$URL/healthz" && break
		sleep 0.1
	done
	# A logged-in editor, as staff at the counter would be.
	curl -s -c "$DIR/cookies" -o /dev/null -d "username=bench&password=$PW&next=/" "$URL/login"
	COOKIE="oficio_session=$(awk '/oficio_session/ {print $7}' "$DIR/cookies")"
}

bench_stop() {
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$DIR"
}

bench_load_corpus() {
	echo "$PW" | "$BIN" user add bench --role editor --password-stdin --db "$DB" >/dev/null
	"$BIN" import "$CORPUS" --db "$DB" | tail -1
}

# wrk, printing req/s, p50 and p99 on one line.
bench_wrk() { # label connections url [extra wrk args]
	label=$1; conns=$2; url=$3; shift 3
	threads=2; [ "$conns" -lt 2 ] && threads=1
	out=$(wrk -t$threads -c"$conns" -d${DURATION:-10}s --latency -H "Cookie: $COOKIE" "$@" "$url")
	rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1=="50%" {print $2}')
	p99=$(echo "$out" | awk '$1=="99%" {print $2}')
	non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	printf '%-28s c=%-3s %10s req/s   p50 %-9s p99 %-9s %s\n' "$label" "$conns" "$rps" "$p50" "$p99" \
		"${non2xx:+non-2xx: $non2xx}"
}
