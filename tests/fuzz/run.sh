#!/usr/bin/env bash
# Fuzz targets (tests/fuzz/README.md): builds the libFuzzer targets with clang
# into build/fuzz/, then per target
#   1. replays tests/fuzz/regressions/<target>/ (inputs that once failed),
#   2. fuzzes for SECONDS (default 10) on a fresh copy of its checked-in
#      corpus tests/fuzz/corpus/<target>/ (the checked-in one is never
#      modified; new corpus entries stay in build/fuzz/work/<target>/),
#   3. replays tests/fuzz/crashes/<target>/ (reproducers of reported bugs)
#      for information only: KNOWN (still fails) or FIXED? lines.
# Checks named in tests/fuzz/known_bugs are disabled in steps 1-2 (bugs
# reported and not fixed yet), so that they do not hide new ones.
# Prints "PASS: fuzz/<target>" or "FAIL: fuzz/<target>: <why>" per target
# and exits non-zero if any failed.
#   tests/fuzz/run.sh [SECONDS]
# Environment: FUZZ_SEED (default 1; 0 = random), FUZZ_JOBS (parallel
# targets, default: number of CPUs), FUZZ_CC (default clang),
# FUZZ_KNOWN_BUGS=none (enable every check).
set -u
cd "$(dirname "$0")/../.." || exit 2

SECS=${1:-10}
SEED=${FUZZ_SEED:-1}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${FUZZ_CC:-clang}
PY=/usr/bin/python3
F=tests/fuzz
B=build/fuzz
PLATFORM=platform/qemu-aarch64/platform.toml
C_TARGETS=(fuzz_vgic_mmio fuzz_vpl011 fuzz_smccc_hypercall fuzz_sysreg_trap)
PY_TARGETS=(fuzz_gen_config)
start=$(date +%s)

case $SECS in
'' | *[!0-9]*)
    echo "usage: tests/fuzz/run.sh [SECONDS]" >&2
    exit 2
    ;;
esac

# -fsanitize=fuzzer-no-link instruments for coverage; the fuzzer runtime
# (main) comes in at link time. -funsigned-char: aarch64's char, as the
# hypervisor is compiled. UBSan findings abort (libFuzzer saves the input).
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
CFLAGS=(-std=c11 -g -O1 -funsigned-char -Wall -Wextra -fsanitize=fuzzer-no-link "${SAN[@]}")
HARNESS_CFLAGS=(-Werror -Wshadow -Wstrict-prototypes)
LDFLAGS=(-fsanitize=fuzzer "${SAN[@]}")

rm -rf "$B/obj" "$B/bin" "$B/log" "$B/work" "$B/gen" "$B/img"
mkdir -p "$B/obj" "$B/bin" "$B/log" "$B/work" "$B/gen" "$B/img" "$B/artifacts"

declare -A build_error # target -> why it did not build
declare -A result      # target -> PASS or FAIL: why
declare -A ignore_of   # target -> FUZZ_IGNORE list

# ---- known bugs --------------------------------------------------------------

if [ "${FUZZ_KNOWN_BUGS:-}" != none ] && [ -f "$F/known_bugs" ]; then
    while read -r t id _; do
        case $t in '' | '#'*) continue ;; esac
        ignore_of[$t]="${ignore_of[$t]:+${ignore_of[$t]},}$id"
    done <"$F/known_bugs"
fi

# ---- toolchain ---------------------------------------------------------------

toolchain_ok=1
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; return (int)n * 0; }' |
    $CC -x c "${LDFLAGS[@]}" -o "$B/bin/.probe" - >"$B/log/probe.txt" 2>&1; then
    toolchain_ok=0
    why="$CC cannot build a libFuzzer target (Debian: apt-get install clang libclang-rt-14-dev): $(grep -m1 -i error "$B/log/probe.txt")"
    for t in "${C_TARGETS[@]}"; do build_error[$t]=$why; done
fi

# The fake arch/sysreg.h must offer every register of the real one.
real_regs=$(grep -oE '^SYSREG_[A-Z_]+\( *[a-z0-9_]+' src/arch/aarch64/include/arch/sysreg.h | sed 's/.*( *//' | sort -u)
fake_regs=$(grep -oE 'X\([a-z0-9_]+\)' "$F/fake/arch/sysreg.h" | sed 's/X(//; s/)//' | sort -u)
missing=$(comm -23 <(echo "$real_regs") <(echo "$fake_regs") | tr '\n' ' ')
if [ -n "${missing// /}" ]; then
    for t in fuzz_vgic_mmio fuzz_sysreg_trap; do
        build_error[$t]="$F/fake/arch/sysreg.h lacks register(s) of the real header: ${missing% } (add them to FAKE_SYSREGS)"
    done
fi

# ---- generated configurations and images ------------------------------------

printf 'A%.0s' $(seq 300) >"$B/img/a.bin"
printf 'B%.0s' $(seq 200) >"$B/img/b.bin"
printf 'C%.0s' $(seq 100) >"$B/img/c.bin"

gen_ok() { # config name -> generated into $B/gen/<name>
    local c=$1
    if ! $PY tools/gen_config.py --platform "$PLATFORM" --config "$F/configs/$c.toml" --out "$B/gen/$c" \
        --var img="$B/img" >"$B/log/gen_$c.txt" 2>&1 ||
        ! $PY tests/host/gen_blobs.py "$B/gen/$c/images.S" "$B/gen/$c/blobs.c" >>"$B/log/gen_$c.txt" 2>&1; then
        echo "tools/gen_config.py failed on $F/configs/$c.toml: $(head -n 1 "$B/log/gen_$c.txt")"
        return 1
    fi
    return 0
}

declare -A cfg_error
for c in vgic core; do
    if ! msg=$(gen_ok $c); then cfg_error[$c]=$msg; fi
done

# ---- compilation (parallel) ---------------------------------------------------

CORE_SRCS=()
for s in src/core/*.c; do
    case $s in
    src/core/lib.c | src/core/main.c | src/core/boot_fdt.c) ;; # host libc; boot path (libfdt)
    *) CORE_SRCS+=("$s") ;;
    esac
done

# The fake arch/sysreg.h (tests/fuzz/fake) must come before the real one.
inc_for() {
    echo "-I$F -I$F/fake -Isrc/core/include -Isrc/arch/aarch64/include -Itests/host/fake -Itests/host -I$B/gen/$1"
}

obj_of() { # config source -> object path
    echo "$B/obj/$1/$(echo "$2" | tr '/' '_').o"
}

pids=()
compile() { # config source [extra flags...]
    local cfg=$1 src=$2 o
    shift 2
    o=$(obj_of "$cfg" "$src")
    mkdir -p "$(dirname "$o")"
    # shellcheck disable=SC2046 # the include list splits on purpose
    $CC "${CFLAGS[@]}" "$@" $(inc_for "$cfg") -c -o "$o" "$src" >"$o.log" 2>&1 &
    pids+=($!)
    if [ ${#pids[@]} -ge "$JOBS" ]; then
        wait "${pids[0]}"
        pids=("${pids[@]:1}")
    fi
}

VGIC_LIB=("${CORE_SRCS[@]}" src/arch/aarch64/vgic.c src/arch/aarch64/vgic_mmio.c "$B/gen/vgic/hv_config.c"
    "$B/gen/vgic/blobs.c" "$F/fake/fake_sysreg.c" "$F/fake/vgic_hw.c")
CORE_LIB=("${CORE_SRCS[@]}" src/arch/aarch64/smccc.c src/arch/aarch64/traps.c "$B/gen/core/hv_config.c"
    "$B/gen/core/blobs.c" tests/host/fake/fake_arch.c tests/host/check.c tests/host/support.c
    "$F/fake/fake_sysreg.c" "$F/core_common.c")

if [ $toolchain_ok = 1 ]; then
    [ -z "${cfg_error[vgic]+x}" ] && for s in "${VGIC_LIB[@]}" "$F/fuzz_vgic_mmio.c"; do
        case $s in "$F"/*) compile vgic "$s" "${HARNESS_CFLAGS[@]}" ;; *) compile vgic "$s" ;; esac
    done
    [ -z "${cfg_error[core]+x}" ] && for s in "${CORE_LIB[@]}" "$F/fuzz_vpl011.c" "$F/fuzz_smccc_hypercall.c" \
        "$F/fuzz_sysreg_trap.c"; do
        case $s in "$F"/*) compile core "$s" "${HARNESS_CFLAGS[@]}" ;; *) compile core "$s" ;; esac
    done
    for p in "${pids[@]}"; do wait "$p"; done
fi

first_error() { # object logs... -> first compiler error line
    cat "$@" 2>/dev/null | grep -m1 -E 'error|undefined reference' || true
}

link() { # target config sources...
    local t=$1 cfg=$2 objs=() s
    shift 2
    if [ -n "${build_error[$t]+x}" ]; then
        return
    fi
    if [ -n "${cfg_error[$cfg]+x}" ]; then
        build_error[$t]=${cfg_error[$cfg]}
        return
    fi
    for s in "$@"; do
        objs+=("$(obj_of "$cfg" "$s")")
        if [ ! -s "${objs[-1]}" ]; then
            build_error[$t]="build failure: $(first_error "${objs[-1]}.log")"
            cat "${objs[-1]}.log" >&2
            return
        fi
    done
    if ! $CC "${LDFLAGS[@]}" -o "$B/bin/$t" "${objs[@]}" >"$B/log/link_$t.txt" 2>&1; then
        cat "$B/log/link_$t.txt" >&2
        build_error[$t]="link failure: $(first_error "$B/log/link_$t.txt")"
    fi
}

if [ $toolchain_ok = 1 ]; then
    link fuzz_vgic_mmio vgic "${VGIC_LIB[@]}" "$F/fuzz_vgic_mmio.c"
    link fuzz_vpl011 core src/core/vpl011.c src/core/console.c src/core/log.c "$F/fuzz_vpl011.c"
    core_no_traps=()
    for s in "${CORE_LIB[@]}"; do
        [ "$s" != src/arch/aarch64/traps.c ] && core_no_traps+=("$s")
    done
    link fuzz_smccc_hypercall core "${core_no_traps[@]}" "$F/fuzz_smccc_hypercall.c"
    link fuzz_sysreg_trap core "${CORE_LIB[@]}" "$F/fuzz_sysreg_trap.c"
fi
build_secs=$(($(date +%s) - start))

# ---- running ------------------------------------------------------------------

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Why a libFuzzer run failed, from its log.
why_of() {
    local log=$1 w
    w=$(grep -m1 -o 'FUZZ CHECK .* FAILED: .*' "$log" | cut -c1-300)
    [ -z "$w" ] && w=$(grep -m1 -oE 'runtime error: .*' "$log" | cut -c1-200)
    [ -z "$w" ] && w=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): .*' "$log" | cut -c1-200)
    [ -z "$w" ] && w=$(grep -m1 -E 'SUMMARY: ' "$log" | cut -c1-200)
    [ -z "$w" ] && w="exited abnormally, see $log"
    echo "$w"
}

run_c() { # target -> writes $B/log/<t>.result
    local t=$1 bin=$B/bin/$1 log=$B/log/$1.log reg=() rc
    local out=$B/log/$1.result
    export FUZZ_IGNORE=${ignore_of[$t]:-}
    : >"$log"
    mapfile -t reg < <(find "$F/regressions/$t" -type f 2>/dev/null | sort)
    if [ ${#reg[@]} -gt 0 ]; then
        if ! timeout 300 "$bin" "${reg[@]}" >>"$log" 2>&1; then
            echo "FAIL: fuzz/$t: regression input fails again: $(why_of "$log")" >"$out"
            return
        fi
    fi
    mkdir -p "$B/work/$t" "$B/artifacts/$t"
    cp "$F/corpus/$t"/* "$B/work/$t/" 2>/dev/null
    timeout $((SECS + 120)) "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -seed="$SEED" \
        -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" "$B/work/$t" >>"$log" 2>&1
    rc=$?
    if [ $rc = 124 ]; then
        echo "FAIL: fuzz/$t: the whole run timed out (hung?), see $log" >"$out"
    elif [ $rc != 0 ]; then
        local art
        art=$(grep -m1 -oE "Test unit written to [^ ]*" "$log" | sed 's/Test unit written to //')
        echo "FAIL: fuzz/$t: $(why_of "$log")${art:+ (input: $art)}" >"$out"
    elif ! grep -q '^Done [0-9]* runs' "$log"; then
        echo "FAIL: fuzz/$t: did not run (see $log)" >"$out"
    else
        echo "PASS: fuzz/$t" >"$out"
    fi
}

run_py() { # fuzz_gen_config
    local t=$1 log=$B/log/$1.log out=$B/log/$1.result rc
    FUZZ_IGNORE=${ignore_of[$t]:-} timeout $((SECS + 120)) $PY "$F/$t.py" --seconds "$SECS" --seed "$SEED" \
        >"$log" 2>&1
    rc=$?
    if [ $rc = 0 ]; then
        echo "PASS: fuzz/$t" >"$out"
    elif [ $rc = 124 ]; then
        echo "FAIL: fuzz/$t: the whole run timed out (hung?), see $log" >"$out"
    else
        local w
        w=$(grep -m1 "^$t: \[" "$log" | cut -c1-300)
        echo "FAIL: fuzz/$t: ${w:-exited with status $rc, see $log}" >"$out"
    fi
}

running=()
launch() {
    "$@" &
    running+=($!)
    if [ ${#running[@]} -ge "$JOBS" ]; then
        wait "${running[0]}"
        running=("${running[@]:1}")
    fi
}
for t in "${PY_TARGETS[@]}"; do launch run_py "$t"; done
for t in "${C_TARGETS[@]}"; do
    if [ -n "${build_error[$t]+x}" ]; then
        echo "FAIL: fuzz/$t: ${build_error[$t]}" >"$B/log/$t.result"
    else
        launch run_c "$t"
    fi
done
for p in "${running[@]}"; do wait "$p"; done

# ---- results, then the known bugs' reproducers ----------------------------------

fail=0
for t in "${C_TARGETS[@]}" "${PY_TARGETS[@]}"; do
    r=$(cat "$B/log/$t.result" 2>/dev/null || echo "FAIL: fuzz/$t: no result (internal error)")
    echo "$r"
    case $r in PASS:*) ;; *) fail=$((fail + 1)) ;; esac
    runs=$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$B/log/$t.log" 2>/dev/null | grep -oE '[0-9]+$')
    [ -n "$runs" ] && echo "    $t: $runs inputs in ${SECS}s; log $B/log/$t.log"
    [ -n "${ignore_of[$t]:-}" ] && echo "    $t: known-bug checks disabled (tests/fuzz/known_bugs): ${ignore_of[$t]}"
done

for t in "${C_TARGETS[@]}" "${PY_TARGETS[@]}"; do
    for input in "$F/crashes/$t"/*; do
        [ -f "$input" ] || continue
        case $input in *.txt | *.md) continue ;; esac
        if [ "$t" = fuzz_gen_config ]; then
            FUZZ_IGNORE= timeout 120 $PY "$F/$t.py" "$input" >"$B/log/known.log" 2>&1
        elif [ -x "$B/bin/$t" ]; then
            FUZZ_IGNORE= timeout 120 "$B/bin/$t" "$input" >"$B/log/known.log" 2>&1
        else
            continue
        fi
        if [ $? != 0 ]; then
            echo "    KNOWN: fuzz/$t: $input still fails (a reported bug)"
        else
            echo "    FIXED?: fuzz/$t: $input passes now: move it to $F/regressions/$t/ and drop its line from $F/known_bugs"
        fi
    done
done

echo "fuzz: $(( ${#C_TARGETS[@]} + ${#PY_TARGETS[@]} - fail )) passed, $fail failed in $(($(date +%s) - start)) s" \
    "(build ${build_secs} s, ${SECS} s per target, seed $SEED)"
[ $fail = 0 ]
