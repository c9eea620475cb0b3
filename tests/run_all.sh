#!/usr/bin/env bash
# `make test`: every suite of the project, then one summary line.
# A suite prints "PASS: name" / "FAIL: name: why" lines; a suite that fails
# without saying which case failed counts as one failure.
set -u
cd "$(dirname "$0")/.."
log=build/test-logs
mkdir -p "$log"
pass=0
fail=0

run_suite() {
    local name=$1
    shift
    echo "== $name"
    "$@" 2>&1 | tee "$log/$name.log"
    local rc=${PIPESTATUS[0]}
    local p f
    p=$(grep -c '^PASS: ' "$log/$name.log")
    f=$(grep -c '^FAIL: ' "$log/$name.log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL: $name: exited with status $rc"
        f=1
    fi
    pass=$((pass + p))
    fail=$((fail + f))
}

build_configs() {
    local c rc=0
    for c in config/*.toml; do
        if make -s PLATFORM=qemu-aarch64 CONFIG="$c" >"$log/build-$(basename "$c" .toml).log" 2>&1; then
            echo "PASS: build/$(basename "$c" .toml)"
        else
            echo "FAIL: build/$(basename "$c" .toml): see $log/build-$(basename "$c" .toml).log"
            tail -n 20 "$log/build-$(basename "$c" .toml).log"
            rc=1
        fi
    done
    return $rc
}

run_suite generator bash tests/gen/run.sh
run_suite host bash tests/host/run.sh
run_suite host-console bash tests/host/run_console.sh
run_suite build build_configs
run_suite fuzz bash tests/fuzz/run.sh
run_suite qemu /usr/bin/python3 tests/qemu/run.py
run_suite bench bash tests/bench/smoke.sh

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
