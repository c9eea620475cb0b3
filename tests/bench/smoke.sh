#!/usr/bin/env bash
# Smoke test of `make bench` for `make test`: builds and runs every benchmark once
# (tools/bench.py --smoke: no chart) and checks that each figure was produced, with
# its baseline where it has one, and that the sanity checks hold (cycle counter =
# virtual time, identical checksums). Values are not judged. Prints one
# "PASS: bench/<figure>" or "FAIL: bench/<figure>: why" line per figure.
set -u
cd "$(dirname "$0")/../.."
mkdir -p build
exec /usr/bin/python3 tools/bench.py --smoke 2>build/bench-smoke.log
