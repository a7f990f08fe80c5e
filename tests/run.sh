#!/bin/sh
# Run every test suite and end with one line: "N passed, M failed".
#   BUILD=build|build-san   which build to test (set by make)
#   ONLY=unit|fuzz|http|browser   run one suite
#   BROWSER=0               skip the browser tests (the sanitizer run)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ONLY=${ONLY:-}
BROWSER=${BROWSER:-1}
export BUILD
passed=0
failed=0
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

add() { passed=$((passed + $1)); failed=$((failed + $2)); }

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

# Unit tests: one cmocka binary per module.
if want unit; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		"$t" >"$log" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		echo "unit $(basename "$t"): $p passed, $f failed"
		[ "$f" -eq 0 ] || cat "$log"
		add "$p" "$f"
	done
fi

# Every fuzz target over its kept corpus and regression inputs.
if want fuzz || want unit; then
	SANFLAGS=""
	[ "$BUILD" = build-san ] && SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"
	SANFLAGS="$SANFLAGS" sh tests/fuzz/run.sh replay >"$log" 2>&1
	rc=$?
	line=$(grep -E '^fuzz-replay: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	echo "fuzz replay: $p passed, $f failed"
	[ "$f" -eq 0 ] || cat "$log"
	add "$p" "$f"
fi

# HTTP tests: the real binary on a loopback port, checked over HTTP and in
# the database.
if want http && ls tests/http/test_*.py >/dev/null 2>&1; then
	python3 tests/http/run.py >"$log" 2>&1
	rc=$?
	line=$(grep -E '^http: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$f" -ne 0 ]; then cat "$log"; else grep -E '^(http|  )' "$log" | tail -3; fi
	add "$p" "$f"
fi

# Browser tests: headless Chromium with axe-core.
if want browser && [ "$BROWSER" = 1 ] && [ -f tests/browser/run.mjs ]; then
	node tests/browser/run.mjs >"$log" 2>&1
	rc=$?
	line=$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	p=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$f" -ne 0 ]; then cat "$log"; else echo "$line"; fi
	add "$p" "$f"
fi

end=$(date +%s)
echo "tests took $((end - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
