#!/usr/bin/env bash
# Certification evidence for one configuration (docs/certification.md).
#   bash ci/cert.sh <platform> <config>   (what `make PLATFORM=.. CONFIG=.. cert` runs)
# Builds the configuration, then writes build/<platform>/<config>/cert/:
#   misra.txt         MISRA C:2012 findings per rule, all fixed or deviated
#   stack.txt         worst-case stack depth of every entry point
#   alloc.txt         no allocator, no foreign libc; static memory per VM
#   coverage.txt      line/branch coverage of src/core by the host tests (+ coverage/)
#   reproducible.txt  two builds elsewhere, byte-identical hypervisor.bin
#   trace.md          requirements-to-tests matrix
#   summary.txt       one line per check (also printed at the end)
# Every check runs even if an earlier one failed; exits 1 if any failed.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
PLATFORM=${1:?usage: ci/cert.sh <platform> <config>}
CONFIG=${2:?usage: ci/cert.sh <platform> <config>}
PY=/usr/bin/python3
NPROC=$(nproc 2>/dev/null || echo 2)
T0=$(date +%s)

mk() { make -s --no-print-directory PLATFORM="$PLATFORM" CONFIG="$CONFIG" "$@"; }
# A variable of the Makefile, exactly as the build uses it (no copy of the flags here).
# shellcheck disable=SC2016 # $($*) is make's, not the shell's
mkvar() { mk --eval 'cert-print-var-%: ; @printf "%s\n" "$($*)"' "cert-print-var-$1"; }

echo "== cert $PLATFORM/$CONFIG: build"
if ! mk; then
    echo "cert: FAIL: the configuration does not build"
    exit 1
fi
B=$(mkvar B)
GEN=$(mkvar GEN)
CC=$(mkvar CC)
DEPS=$(mkvar DEPS)
TARGET_CFLAGS=$(mkvar TARGET_CFLAGS)
TARGET_INC=$(mkvar TARGET_INC)
SRCS=$(mkvar CORE_SRCS; mkvar ARCH_SRCS)
if [ -z "$B" ] || [ ! -f "$B/hypervisor.elf" ] || [ ! -f "$GEN/cfg_sizes.h" ]; then
    echo "cert: FAIL: cannot find the build of $PLATFORM/$CONFIG (B='$B')"
    exit 1
fi
C=$ROOT/$B/cert
rm -rf "$C"
mkdir -p "$C"

C_SRCS=()
for f in $SRCS; do
    case $f in *.c) C_SRCS+=("$f") ;; esac
done

# The working tree (tracked and untracked files, not what .gitignore
# excludes: build/, .deps/), copied to $1, with .deps linked in (the
# downloaded Debian packages: inputs, not build products).
copy_tree() {
    mkdir -p "$1" || return 1
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z -co --exclude-standard |
            tar -c --null --ignore-failed-read -T - -f - 2>/dev/null | tar -x -f - -C "$1"
    else
        tar -c --exclude=./build --exclude="./$DEPS" -f - . | tar -x -f - -C "$1"
    fi && ln -s "$ROOT/$DEPS" "$1/$DEPS"
}

results=()
failed=0
# step <name> <function>: runs it with its output in cert/<name>.log; the last
# line it prints is its summary.
step() {
    local name=$1 fn=$2 t rc line
    t=$(date +%s)
    echo "== cert $name"
    "$fn" >"$C/$name.log" 2>&1
    rc=$?
    line=$(grep -v '^\s*$' "$C/$name.log" | tail -n 1)
    if [ $rc -ne 0 ]; then
        failed=$((failed + 1))
        grep -v '^\s*$' "$C/$name.log" | tail -n 25 | sed 's/^/   | /'
        case $line in *FAIL*) ;; *) line="$name: FAIL: exit status $rc: $line" ;; esac
    fi
    results+=("$(printf '%-4s %s (%ss)' "$([ $rc -eq 0 ] && echo ok || echo FAIL)" "$line" $(($(date +%s) - t)))")
}

# ---------------------------------------------------------------------------
cert_misra() {
    local inc=() f
    for f in $TARGET_INC; do
        case $f in -I*) inc+=("$f") ;; esac
    done
    # The build's include paths; the compiler's own (-isystem) standard headers
    # are modelled by cppcheck's library instead (they use GCC built-ins).
    # __ASSEMBLY__ is the assembler's: C never sees it.
    cppcheck --addon=misra --std=c11 --platform=unix64 -D__aarch64__=1 -U__ASSEMBLY__ "${inc[@]}" \
        -j"$NPROC" --cppcheck-build-dir="$(mkdir -p "$C/cppcheck-build" && echo "$C/cppcheck-build")" \
        --enable=warning,portability,missingInclude \
        --template='{file}:{line}:{column}:{id}:{severity}:{message}' -q "${C_SRCS[@]}" \
        >"$C/cppcheck.txt" 2>&1 || { cat "$C/cppcheck.txt"; echo "misra: FAIL: cppcheck failed"; return 1; }
    $PY tools/misra_check.py --findings "$C/cppcheck.txt" --deviations docs/misra-deviations.md \
        --files ${#C_SRCS[@]} --out "$C/misra.txt"
}

cert_stack() {
    local obj=$C/obj f o ok=0 same=0 n=0 pids=()
    # The build's own compile command plus the two reporting options, into
    # cert/obj: the normal objects are left alone.
    for f in "${C_SRCS[@]}" "$GEN/hv_config.c"; do
        case $f in
        "$GEN"/*) o=$obj/gen/$(basename "$f" .c).o ;;
        *) o=$obj/$f.o ;;
        esac
        mkdir -p "$(dirname "$o")"
        # shellcheck disable=SC2086 # the flag lists are meant to split
        $CC $TARGET_CFLAGS $TARGET_INC -fstack-usage -fcallgraph-info=su -c -o "$o" "$f" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$NPROC" ]; then
            wait "${pids[0]}" || ok=1
            pids=("${pids[@]:1}")
        fi
    done
    for p in "${pids[@]}"; do wait "$p" || ok=1; done
    [ $ok = 0 ] || { echo "stack: FAIL: compiling with -fstack-usage failed"; return 1; }
    # The analysed code must be the linked code: same instructions and data.
    for o in $(cd "$obj" && find . -name '*.o' | sort); do
        n=$((n + 1))
        aarch64-linux-gnu-objcopy -g "$obj/$o" "$C/a.o" && aarch64-linux-gnu-objcopy -g "$B/obj/$o" "$C/b.o" &&
            cmp -s "$C/a.o" "$C/b.o" && same=$((same + 1))
    done
    rm -f "$C/a.o" "$C/b.o"
    echo "analysed objects identical (debug info aside) to the linked ones: $same of $n"
    [ "$same" = "$n" ] || { echo "stack: FAIL: the analysed objects differ from the build's"; return 1; }
    $PY tools/stack_check.py --obj "$obj" --annotations tools/stack_annotations.txt \
        --stack-size-from src/arch/aarch64/cpu.c --boot-s src/arch/aarch64/boot.S \
        --libfdt "$DEPS/libfdt.a" --src src --out "$C/stack.txt"
}

cert_alloc() {
    $PY tools/alloc_check.py --elf "$B/hypervisor.elf" --map "$B/hypervisor.map" --obj "$B/obj" \
        --libfdt "$DEPS/libfdt.a" --gen "$GEN" --lds "$B/hv.ld" --out "$C/alloc.txt"
}

cert_coverage() {
    local w=$C/work/cov
    copy_tree "$w" || { echo "coverage: FAIL: cannot copy the tree"; return 1; }
    # The host test runners, unchanged, with gcov instrumentation added to
    # their compiler (run_console.sh at the -O1 of run.sh so that both
    # builds of a file have the same line table and their counts merge).
    (cd "$w" && CC="gcc --coverage" bash tests/host/run.sh >"$C/coverage-tests.log" 2>&1) ||
        { tail -n 20 "$C/coverage-tests.log"; echo "coverage: FAIL: tests/host/run.sh failed"; return 1; }
    (cd "$w" && HOST_CC="gcc --coverage -O1 -funsigned-char" sh tests/host/run_console.sh \
        >>"$C/coverage-tests.log" 2>&1) ||
        { tail -n 20 "$C/coverage-tests.log"; echo "coverage: FAIL: tests/host/run_console.sh failed"; return 1; }
    mkdir -p "$C/coverage"
    (cd "$w" &&
        gcovr -r . --filter 'src/core/' --exclude-unreachable-branches --txt "$C/coverage-lines.txt" \
            --json-summary "$C/coverage-core.json" --html-details "$C/coverage/index.html" \
            --html-title "src/core: host unit tests" build/host build/host-console &&
        gcovr -r . --filter 'src/core/' --exclude-unreachable-branches -b --txt "$C/coverage-branches.txt" \
            build/host build/host-console &&
        gcovr -r . --filter 'src/core/vpl011\.c' --filter 'src/core/console_input\.c' \
            --exclude-unreachable-branches --json-summary "$C/coverage-devices.json" \
            build/host build/host-console) >"$C/gcovr.log" 2>&1 ||
        { cat "$C/gcovr.log"; echo "coverage: FAIL: gcovr failed"; return 1; }
    rm -rf "$C/work"
    $PY tools/coverage_check.py --core "$C/coverage-core.json" --devices "$C/coverage-devices.json" \
        --lines "$C/coverage-lines.txt" --branches "$C/coverage-branches.txt" \
        --tests "$C/coverage-tests.log" --thresholds ci/coverage_threshold.txt --out "$C/coverage.txt"
}

cert_reproducible() {
    local d out=$C/reproducible.txt rc=0 a b m
    d=$(mktemp -d /tmp/hv-cert-repro.XXXXXX) || return 1
    if ! copy_tree "$d/a" || ! copy_tree "$d/second-tree"; then
        rm -rf "$d"
        echo "reproducible: FAIL: cannot copy the tree"
        return 1
    fi
    {
        echo "Two builds of $PLATFORM/$CONFIG from copies of this tree in different directories, at"
        echo "different times, with different time zones, locales and umasks (SOURCE_DATE_EPOCH as the"
        echo "Makefile sets it: ${SOURCE_DATE_EPOCH:-0} unless given), plus the build in this tree."
    } >"$out"
    # shellcheck disable=SC2030,SC2031 # each build gets its own environment
    (cd "$d/a" && export TZ=UTC LC_ALL=C && umask 022 && make -s -j"$NPROC" PLATFORM="$PLATFORM" CONFIG="$CONFIG") \
        >"$C/reproducible-a.log" 2>&1 || rc=1
    sleep 2
    # shellcheck disable=SC2030,SC2031
    (cd "$d/second-tree" && export TZ=Asia/Tokyo LC_ALL=C.UTF-8 && umask 077 &&
        make -s -j"$NPROC" PLATFORM="$PLATFORM" CONFIG="$CONFIG") >"$C/reproducible-b.log" 2>&1 || rc=1
    if [ $rc -ne 0 ]; then
        tail -n 20 "$C/reproducible-a.log" "$C/reproducible-b.log"
        rm -rf "$d"
        echo "reproducible: FAIL: a build in a copy of the tree failed"
        return 1
    fi
    a=$d/a/$B/hypervisor.bin
    b=$d/second-tree/$B/hypervisor.bin
    m=$B/hypervisor.bin
    {
        echo ""
        printf '%s  %s\n' "$(sha256sum <"$a" | cut -d' ' -f1)" "$d/a/$B/hypervisor.bin (built $(date -r "$a" -u +%FT%TZ))"
        printf '%s  %s\n' "$(sha256sum <"$b" | cut -d' ' -f1)" "$d/second-tree/$B/hypervisor.bin (built $(date -r "$b" -u +%FT%TZ))"
        printf '%s  %s\n' "$(sha256sum <"$m" | cut -d' ' -f1)" "$ROOT/$B/hypervisor.bin (this tree)"
        echo "size: $(stat -c %s "$a") bytes"
        echo ""
    } >>"$out"
    if cmp -s "$a" "$b"; then echo "copies: byte-identical" >>"$out"; else
        echo "copies: DIFFER: $(cmp "$a" "$b" | head -n 1)" >>"$out"
        rc=1
    fi
    if cmp -s "$a" "$m"; then echo "this tree: byte-identical" >>"$out"; else
        echo "this tree: DIFFERS from the copies (a stale or locally modified build?)" >>"$out"
        rc=1
    fi
    # Nothing that could make them differ elsewhere.
    if grep -q '\.incbin "/' "$GEN/images.S"; then
        echo "FAIL: $GEN/images.S .incbin's an absolute path:" >>"$out"
        grep '\.incbin "/' "$GEN/images.S" >>"$out"
        rc=1
    else
        echo "images.S: every .incbin path is relative" >>"$out"
    fi
    local p hits=""
    for p in "$d/a" "$d/second-tree" "$ROOT" /tmp/ /home/ /root/; do
        grep -qaF "$p" "$a" && hits="$hits $p"
    done
    if [ -n "$hits" ]; then echo "FAIL: the image contains the path(s):$hits" >>"$out"; rc=1; else
        echo "the image contains no build path (checked: the two copies, this tree, /tmp/, /home/, /root/)" >>"$out"
    fi
    if grep -rnE '__(DATE|TIME|TIMESTAMP)__' src tools/templates >>"$out" 2>/dev/null; then
        echo "FAIL: __DATE__/__TIME__/__TIMESTAMP__ in the sources (above)" >>"$out"
        rc=1
    else
        echo "no __DATE__, __TIME__ or __TIMESTAMP__ in src/ or the templates" >>"$out"
    fi
    if cmp -s "$d/a/$B/hypervisor.elf" "$d/second-tree/$B/hypervisor.elf"; then
        echo "hypervisor.elf (with debug info): byte-identical too" >>"$out"
    else
        echo "hypervisor.elf (with debug info): differs (not required; only the image is loaded)" >>"$out"
    fi
    rm -rf "$d"
    echo "" >>"$out"
    if [ $rc -eq 0 ]; then
        echo "reproducible: PASS: hypervisor.bin byte-identical across two copies and this tree, sha256 $(sha256sum <"$m" | cut -c1-16)..." >>"$out"
    else
        echo "reproducible: FAIL: see $out" >>"$out"
    fi
    cat "$out"
    return $rc
}

cert_trace() {
    $PY tools/trace_matrix.py --out "$C/trace.md"
}

# ---------------------------------------------------------------------------
# The checks. A requirement tag above a step names what that check verifies
# (docs/requirements.md).
# REQ-BUILD-03
step misra cert_misra
# REQ-ALLOC-02
step stack cert_stack
# REQ-ALLOC-01
step alloc cert_alloc
step coverage cert_coverage
# REQ-BUILD-02 REQ-GEN-03
step reproducible cert_reproducible
step trace cert_trace

{
    echo "cert $PLATFORM/$CONFIG ($(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ', modified tree')), $(($(date +%s) - T0)) s, in $C/:"
    printf '  %s\n' "${results[@]}"
    if [ $failed -eq 0 ]; then echo "cert: PASS"; else echo "cert: FAIL: $failed check(s) failed"; fi
} | tee "$C/summary.txt"
[ $failed -eq 0 ]
