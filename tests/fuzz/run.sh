#!/bin/sh
# tests/fuzz/run.sh - build and run the libFuzzer targets tests/fuzz/fuzz_<name>.c.
#
#   sh tests/fuzz/run.sh [fuzz]   (make fuzz) clang + libFuzzer + ASan/UBSan; each target
#                                 runs FUZZ_SECONDS (60) on a working copy of its corpus,
#                                 build-fuzz/corpus/<name>, seeded from tests/fuzz/corpus/<name>
#                                 and tests/fuzz/regress/<name>; crashes go to
#                                 build-fuzz/crashes/<name>/. Exit 1 if any target crashed.
#   sh tests/fuzz/run.sh replay   (make test) each target linked with replay_main.c using the
#                                 ordinary compiler ($CC, $SANFLAGS) and run over
#                                 tests/fuzz/regress/<name>/ and tests/fuzz/corpus/<name>/.
#                                 Ends with "fuzz-replay: N passed, M failed"; exit 1 if M > 0.
#
# A target is one file defining only LLVMFuzzerTestOneInput; it may call anything in
# server/*.c but main.c. The server objects go into a static archive, so a target links
# only the modules it uses: a module that does not compile right now (someone is
# mid-edit) is skipped with a warning and breaks only the targets that need it, which
# are reported as "build failed" (a failure). Objects are rebuilt when their source,
# any server/*.h or the flags change.
#
# Environment: FUZZ_TARGETS="form multipart" (only these), FUZZ_SECONDS, FUZZ_TIMEOUT
# (per input, fuzz mode, default 10 s), FUZZ_OUT (fuzz mode, default build-fuzz),
# BUILD (replay outputs in $BUILD/fuzz, default build), CC, SANFLAGS (SAN=1 alone
# implies the Makefile's ASan+UBSan flags), CLANG, PKG_CONFIG. A tests/fuzz/<name>.dict
# is given to libFuzzer when present.
set -u
cd "$(dirname "$0")/../.." || exit 1

mode=${1:-fuzz}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
PKGS="libevent libevent_pthreads sqlite3 libcmark-gfm libsodium jansson zlib"
if ! PKG_CFLAGS=$($PKG_CONFIG --cflags $PKGS) || ! PKG_LIBS=$($PKG_CONFIG --libs $PKGS); then
	echo "fuzz: pkg-config cannot find $PKGS (run make deps)" >&2
	exit 1
fi
LIBS="$PKG_LIBS -lstemmer -lpthread -lm"
WARN="-Wall -Wextra"
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

# The target names to build: FUZZ_TARGETS, or every tests/fuzz/fuzz_*.c.
list_targets() {
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		for t in $FUZZ_TARGETS; do
			echo "$t"
		done
		return
	fi
	for src in tests/fuzz/fuzz_*.c; do
		[ -e "$src" ] || continue
		src=${src##*/fuzz_}
		echo "${src%.c}"
	done
}

# build_lib COMPILER FLAGS OBJDIR: compile server/*.c but main.c into
# OBJDIR/libserver.a, skipping (with a warning) files that do not compile.
build_lib() {
	bl_cc=$1 bl_flags=$2 bl_dir=$3 bl_jobs=0
	mkdir -p "$bl_dir"
	# Other flags, other objects: start over rather than mix them.
	if [ "$(cat "$bl_dir/flags" 2>/dev/null)" != "$bl_cc $bl_flags" ]; then
		rm -f "$bl_dir"/*.o "$bl_dir"/*.log
		echo "$bl_cc $bl_flags" >"$bl_dir/flags"
	fi
	for bl_src in server/*.c; do
		[ "$bl_src" = server/main.c ] && continue
		bl_base=${bl_src##*/}
		bl_obj=$bl_dir/${bl_base%.c}.o
		if [ -f "$bl_obj" ] && [ ! "$bl_src" -nt "$bl_obj" ] &&
			[ -z "$(find server -name '*.h' -newer "$bl_obj" 2>/dev/null)" ]; then
			continue
		fi
		# One batch of compilers per CPU keeps a cold build short.
		(
			if ! $bl_cc $bl_flags -c -o "$bl_obj" "$bl_src" >"$bl_obj.log" 2>&1; then
				rm -f "$bl_obj"
			fi
		) &
		bl_jobs=$((bl_jobs + 1))
		if [ "$bl_jobs" -ge "$NCPU" ]; then
			wait
			bl_jobs=0
		fi
	done
	wait
	bl_objs=
	for bl_src in server/*.c; do
		[ "$bl_src" = server/main.c ] && continue
		bl_base=${bl_src##*/}
		bl_obj=$bl_dir/${bl_base%.c}.o
		if [ -f "$bl_obj" ]; then
			bl_objs="$bl_objs $bl_obj"
		else
			echo "fuzz: warning: skipping $bl_src, it does not compile (see $bl_obj.log)" >&2
		fi
	done
	rm -f "$bl_dir/libserver.a"
	if [ -n "$bl_objs" ]; then
		ar rcs "$bl_dir/libserver.a" $bl_objs || return 1
	else
		ar rcs "$bl_dir/libserver.a" || return 1
	fi
}

count_files() {
	if [ -d "$1" ]; then
		find "$1" -type f | wc -l | tr -d ' '
	else
		echo 0
	fi
}

run_fuzz() {
	CLANG=${CLANG:-clang}
	out=${FUZZ_OUT:-build-fuzz}
	seconds=${FUZZ_SECONDS:-60}
	cflags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $WARN -Iserver -DOFICIO_VERSION=\"fuzz\" $PKG_CFLAGS"
	san="address,undefined -fno-sanitize-recover=undefined"
	mkdir -p "$out/logs"
	if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n * 0; }' |
		$CLANG -fsanitize=fuzzer -x c - -o "$out/probe" >"$out/logs/probe.log" 2>&1; then
		echo "fuzz: $CLANG cannot build libFuzzer targets (see $out/logs/probe.log)" >&2
		exit 1
	fi
	build_lib "$CLANG" "$cflags -fsanitize=fuzzer-no-link,$san" "$out/obj" || exit 1
	bad=0 total=0
	for t in $(list_targets); do
		total=$((total + 1))
		bin=$out/fuzz_$t
		if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
			echo "fuzz: $t: no tests/fuzz/fuzz_$t.c"
			bad=$((bad + 1))
			continue
		fi
		if ! $CLANG $cflags -fsanitize=fuzzer,$san -o "$bin" "tests/fuzz/fuzz_$t.c" \
			"$out/obj/libserver.a" $LIBS >"$out/logs/$t.build.log" 2>&1; then
			echo "fuzz: $t: build failed (see $out/logs/$t.build.log)"
			bad=$((bad + 1))
			continue
		fi
		corpus=$out/corpus/$t
		crashes=$out/crashes/$t
		mkdir -p "$corpus" "$crashes"
		for seeds in "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"; do
			[ -d "$seeds" ] || continue
			find "$seeds" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$corpus/" \;
		done
		set -- -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" \
			-print_final_stats=1 -artifact_prefix="$crashes/"
		[ -f "tests/fuzz/$t.dict" ] && set -- "$@" -dict="tests/fuzz/$t.dict"
		before=$(count_files "$crashes")
		start=$(date +%s)
		"$bin" "$@" "$corpus" >"$out/logs/$t.log" 2>&1
		status=$?
		secs=$(($(date +%s) - start))
		found=$(($(count_files "$crashes") - before))
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/logs/$t.log" | tail -n 1)
		if [ -z "$runs" ]; then
			# A crash skips the final stats: take the last "#N" status line.
			runs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$out/logs/$t.log" | tail -n 1)
		fi
		if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
			[ "$found" -gt 0 ] || found=1
			echo "fuzz: $t: ${runs:-?} runs, $secs s, $found crashes (inputs in $crashes/, log $out/logs/$t.log)"
			bad=$((bad + 1))
		else
			echo "fuzz: $t: ${runs:-?} runs, $secs s, 0 crashes"
		fi
	done
	echo "fuzz: $total targets, $bad failed"
	[ "$bad" -eq 0 ]
}

run_replay() {
	CC=${CC:-cc}
	if [ -z "${SANFLAGS:-}" ] && [ "${SAN:-0}" = 1 ]; then
		SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	fi
	SANFLAGS=${SANFLAGS:-}
	out=${BUILD:-build}/fuzz
	cflags="-std=c11 -D_GNU_SOURCE -g -O1 $WARN $SANFLAGS -Iserver -DOFICIO_VERSION=\"fuzz\" $PKG_CFLAGS"
	mkdir -p "$out/logs"
	build_lib "$CC" "$cflags" "$out/obj" || exit 1
	if ! $CC $cflags -c -o "$out/replay_main.o" tests/fuzz/replay_main.c \
		>"$out/logs/replay_main.log" 2>&1; then
		echo "fuzz-replay: replay_main.c does not compile (see $out/logs/replay_main.log)"
		echo "fuzz-replay: 0 passed, 1 failed"
		exit 1
	fi
	tmo=
	command -v timeout >/dev/null 2>&1 && tmo="timeout ${FUZZ_REPLAY_TIMEOUT:-300}"
	passed=0 failed=0
	for t in $(list_targets); do
		bin=$out/replay_$t
		log=$out/logs/$t.log
		if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
			echo "fuzz-replay: $t: no tests/fuzz/fuzz_$t.c"
			failed=$((failed + 1))
			continue
		fi
		if ! $CC $cflags -o "$bin" "tests/fuzz/fuzz_$t.c" "$out/replay_main.o" \
			"$out/obj/libserver.a" $LIBS >"$out/logs/$t.build.log" 2>&1; then
			echo "fuzz-replay: $t: build failed (see $out/logs/$t.build.log)"
			failed=$((failed + 1))
			continue
		fi
		set --
		for d in "tests/fuzz/regress/$t" "tests/fuzz/corpus/$t"; do
			[ -d "$d" ] && set -- "$@" "$d"
		done
		$tmo "$bin" "$@" >"$log" 2>&1
		status=$?
		if [ "$status" -eq 0 ]; then
			echo "fuzz-replay: $t: ok, $(sed -n 's/^replay: \([0-9]*\) inputs$/\1/p' "$log" | tail -n 1) inputs"
			passed=$((passed + 1))
		else
			[ "$status" -eq 124 ] && echo "replay: timed out after ${FUZZ_REPLAY_TIMEOUT:-300} s" >>"$log"
			echo "fuzz-replay: $t: FAILED on $(sed -n 's/^replay: input //p' "$log" | tail -n 1) (log $log):"
			grep -v '^replay: input ' "$log" | tail -n 20 | sed 's/^/    /'
			failed=$((failed + 1))
		fi
	done
	echo "fuzz-replay: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

case $mode in
fuzz) run_fuzz ;;
replay) run_replay ;;
*)
	echo "usage: sh tests/fuzz/run.sh [fuzz|replay]" >&2
	exit 2
	;;
esac
