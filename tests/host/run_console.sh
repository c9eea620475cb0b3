#!/bin/sh
# Builds and runs the host tests of the console: the emulated PL011
# (test_vpl011.c) and the console input multiplexer (test_console_input.c),
# each linked with the real src/core/vpl011.c, console_input.c, console.c
# and log.c plus the fakes in console_fakes.c, with the host gcc and
# ASan/UBSan. struct vm needs a generated cfg_sizes.h: it comes from
# config/dual_baremetal.toml with dummy guest images. One PASS/FAIL line
# per case; exits non-zero if any case (or a build) fails.
set -u
cd "$(dirname "$0")/../.." || exit 1

out=build/host-console
gen=$out/gen
CC=${HOST_CC:-gcc}
CFLAGS="-std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -g \
 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# -iquote: the project's "..." headers never shadow the host's <...> ones.
INC="-iquote src/core/include -iquote src/arch/aarch64/include -iquote $gen"
SRCS="src/core/vpl011.c src/core/console_input.c src/core/console.c src/core/log.c \
 tests/host/console_fakes.c"

dummy=$(mktemp -d) || exit 1
trap 'rm -rf "$dummy"' EXIT
printf 'dummy' >"$dummy/smp_hello.bin" # the generator rejects empty images
rm -rf "$gen"
mkdir -p "$out"
if ! /usr/bin/python3 tools/gen_config.py --platform platform/qemu-aarch64/platform.toml \
    --config config/dual_baremetal.toml --out "$gen" \
    --var guests="$dummy" --var deps="$dummy" --var linux="$dummy" >"$out/gen.log" 2>&1; then
    cat "$out/gen.log"
    echo "FAIL: host/run_console/generate: tools/gen_config.py failed"
    exit 1
fi

status=0
for t in test_vpl011 test_console_input; do
    # shellcheck disable=SC2086 # word splitting of the flag lists is intended
    if ! $CC $CFLAGS $INC -o "$out/$t" "tests/host/$t.c" $SRCS; then
        echo "FAIL: host/$t/build: compiler error"
        status=1
        continue
    fi
    if ! ASAN_OPTIONS=detect_leaks=1 "./$out/$t"; then
        status=1
    fi
done
exit $status
