#!/bin/sh
# make bench-durability: kill -9 at random moments under write load, and
# prove that every acknowledged save survived (bench/durability_run.py).
#   CYCLES=200   load-and-kill cycles (0.2-1 s of load each)
#   WRITERS=8 SHARED=2 SHARED_PCT=25 LOAD_MIN=0.2 LOAD_MAX=1.0 SEED=...
# Exit status 1 if an acknowledged save was lost, a revision number is
# missing, or the server ever answered 5xx.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CYCLES=${CYCLES:-200}
DIR=$(mktemp -d /tmp/oficio-durability.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
# A copy of the binary: a rebuild while the loop runs must not change it.
cp "$BUILD/oficio" "$DIR/oficio"
python3 bench/durability_run.py "$DIR/oficio" "$(pwd)" "$DIR" "$CYCLES"
