#!/usr/bin/env bash
# Host unit tests of the core (the framework is described in check.h):
# builds the portable core (src/core/*.c but lib.c), src/arch/aarch64/smccc.c,
# a generated test configuration (host_test.toml, or the one a test file
# names with "host-config: NAME") and the fake arch backend (fake/) with the
# host gcc into build/host/, then runs every tests/host/test_*.c that uses
# check_run().
# Prints one PASS:/FAIL: line per test case (FAIL: host/<file>/build for a
# file that does not build) and exits non-zero if anything failed.
#   tests/host/run.sh [test_name ...]     (default: every test file)
set -u
shopt -s nullglob
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
T=tests/host
B=build/host
PY=/usr/bin/python3
CC=${CC:-gcc}
PLATFORM=platform/qemu-aarch64/platform.toml

CFLAGS=(-std=c11 -Wall -Wextra -Werror -g -O1 -funsigned-char)
# aarch64 has an unsigned char: test the core as the target compiles it.
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
if ! echo 'int main(void){return 0;}' | $CC -x c "${SAN[@]}" -o /dev/null - 2>/dev/null; then
    SAN=()
fi

rm -rf "$B"
mkdir -p "$B/img" "$B/dts" "$B/bin" "$B/log"

# Guest images with recognisable content.
printf 'A%.0s' $(seq 300) >"$B/img/a.bin"
printf 'B%.0s' $(seq 200) >"$B/img/b.bin"
printf 'C%.0s' $(seq 100) >"$B/img/c.bin"

# Boot DTBs for test_boot_fdt.
dts_ok=1
for d in "$T"/dts/*.dts; do
    n=$(basename "$d" .dts)
    if ! dtc -q -I dts -O dtb -o "$B/dts/$n.dtb" "$d" 2>"$B/log/dtc_$n.txt"; then
        cat "$B/log/dtc_$n.txt" >&2
        dts_ok=0
    fi
done

declare -A cfg_ok

# One build of the core per configuration a test file asks for
# ("host-config: NAME" in its first lines; default host_test).
config_of() {
    local c
    c=$(sed -n 's/.*host-config: *\([a-z_]*\).*/\1/p' "$1" | head -n 1)
    echo "${c:-host_test}"
}

build_config() {
    local cfg=$1 gen=$B/$1/gen obj=$B/$1/obj src o pids=() ok=1
    mkdir -p "$gen" "$obj"
    if ! $PY tools/gen_config.py --platform "$PLATFORM" --config "$T/$cfg.toml" --out "$gen" \
        --var img="$B/img" >"$B/log/gen_$cfg.txt" 2>&1; then
        cat "$B/log/gen_$cfg.txt" >&2
        return 1
    fi
    $PY "$T/gen_blobs.py" "$gen/images.S" "$gen/blobs.c" || return 1
    local inc=(-Isrc/core/include -Isrc/arch/aarch64/include -I"$T/fake" -I"$T" -I"$gen")
    local srcs=()
    for src in src/core/*.c; do
        [ "$src" = src/core/lib.c ] && continue # the host libc replaces it
        srcs+=("$src")
    done
    srcs+=(src/arch/aarch64/smccc.c "$gen/hv_config.c" "$gen/blobs.c" "$T/fake/fake_arch.c" "$T/check.c"
        "$T/support.c")
    for src in "${srcs[@]}"; do
        o=$obj/$(echo "$src" | tr '/' '_').o
        $CC "${CFLAGS[@]}" "${SAN[@]}" "${inc[@]}" -c -o "$o" "$src" 2>"$o.log" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || ok=0
    done
    cat "$obj"/*.log >&2
    [ $ok = 1 ] || return 1
    ar rcs "$B/$cfg/libcore.a" "$obj"/*.o
}

tests=()
if [ $# -gt 0 ]; then
    for t in "$@"; do tests+=("$T/${t%.c}.c"); done
else
    # The test files of this framework (check.h); others in tests/host
    # have their own runner (e.g. run_console.sh).
    for t in "$T"/test_*.c; do
        grep -q 'check_run(' "$t" && tests+=("$t")
    done
fi

for t in "${tests[@]}"; do
    cfg=$(config_of "$t")
    if [ -z "${cfg_ok[$cfg]+x}" ]; then
        if build_config "$cfg"; then cfg_ok[$cfg]=1; else cfg_ok[$cfg]=0; fi
    fi
done

# Compile and link each test file (in parallel), then run them in order.
declare -A pid_of
for t in "${tests[@]}"; do
    n=$(basename "$t" .c)
    cfg=$(config_of "$t")
    [ "${cfg_ok[$cfg]}" = 1 ] || continue
    gen=$B/$cfg/gen
    $CC "${CFLAGS[@]}" "${SAN[@]}" -Isrc/core/include -Isrc/arch/aarch64/include -I"$T/fake" -I"$T" \
        -I"$gen" -DHOST_DTB_DIR="\"$ROOT/$B/dts\"" -o "$B/bin/$n" "$t" "$B/$cfg/libcore.a" -lfdt \
        >"$B/log/build_$n.txt" 2>&1 &
    pid_of[$n]=$!
done

pass=0
fail=0
for t in "${tests[@]}"; do
    n=$(basename "$t" .c)
    cfg=$(config_of "$t")
    if [ "${cfg_ok[$cfg]}" != 1 ]; then
        why=$(cat "$B/$cfg"/obj/*.log 2>/dev/null | grep -m1 -E 'error')
        [ -n "$why" ] || why=$(head -n 1 "$B/log/gen_$cfg.txt" 2>/dev/null)
        echo "FAIL: host/$n/build: configuration $cfg or the core does not build: $why"
        fail=$((fail + 1))
        continue
    fi
    if ! wait "${pid_of[$n]}"; then
        cat "$B/log/build_$n.txt" >&2
        echo "FAIL: host/$n/build: $(grep -m1 -E 'error|undefined' "$B/log/build_$n.txt")"
        fail=$((fail + 1))
        continue
    fi
    if grep -q HOST_DTB_DIR "$t" && [ $dts_ok = 0 ]; then
        echo "FAIL: host/$n/build: dtc failed on a tests/host/dts file (see above)"
        fail=$((fail + 1))
        continue
    fi
    out=$B/log/run_$n.txt
    # A case that fails makes the binary exit 1; anything above 1 (sanitizer
    # report, signal, timeout) means it stopped before its last case.
    ASAN_OPTIONS=detect_leaks=0:exitcode=98 UBSAN_OPTIONS=print_stacktrace=1:exitcode=99 \
        timeout 20 "$B/bin/$n" >"$out" 2>"$B/log/run_$n.err"
    rc=$?
    cat "$out"
    p=$(grep -c '^PASS: ' "$out")
    f=$(grep -c '^FAIL: ' "$out")
    pass=$((pass + p))
    fail=$((fail + f))
    if [ -s "$B/log/run_$n.err" ]; then
        sed 's/^/    /' "$B/log/run_$n.err" >&2
    fi
    if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
        echo "FAIL: host/$n/crash: exit status $rc (sanitizer, signal or timeout; see above)"
        fail=$((fail + 1))
    elif [ $rc -gt 1 ]; then
        echo "FAIL: host/$n/crash: exit status $rc after $((p + f)) case(s) (see above)"
        fail=$((fail + 1))
    fi
done

echo "host tests: $pass passed, $fail failed"
[ $fail = 0 ]
