#!/usr/bin/env bash
# tests/run.sh: hv1k's tests. Each test boots real QEMU with hv1k and a guest
# (./run.sh ...), feeds it input, and checks what was printed and how QEMU
# exited. One line per test, a score by points, and at the end the line
# "N passed, N failed". A failing test's output stays in build/tests/.
#
#   ./tests/run.sh            all tests
#   ./tests/run.sh NAME...    only the tests whose names are given
#
# QEMU= and BIOS= select another QEMU and firmware, as for run.sh.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/tests
guests=$top/tests/guests
mkdir -p "$out"

passed=0 failed=0 skipped=0 points=0 max_points=0
only=("$@")

# A test: its name, its points, the exit status it expects, the run.sh
# arguments, the bytes fed to the guest's console, and the lines the output
# must contain (a fixed string each; "!STRING" means it must NOT appear).
# TIMEOUT (seconds, default 60) may be set in the environment of the call.
check() {
    local name=$1 pts=$2 want_status=$3 args=$4 input=$5
    shift 5
    if [ ${#only[@]} -gt 0 ] && [[ " ${only[*]} " != *" $name "* ]]; then
        return
    fi
    max_points=$((max_points + pts))
    local log=$out/$name.log status=0 why=""
    # shellcheck disable=SC2086
    printf '%b' "$input" | timeout "${TIMEOUT:-60}" "$top/run.sh" $args \
        >"$log" 2>&1 || status=$?
    if [ "$status" = 124 ]; then
        why="timed out after ${TIMEOUT:-60} s"
    elif [ "$status" != "$want_status" ]; then
        why="exit status $status, expected $want_status"
    fi
    local pattern
    for pattern in "$@"; do
        [ -z "$why" ] || break
        if [[ $pattern == '!'* ]]; then
            ! grep -qF -- "${pattern#!}" "$log" || why="printed '${pattern#!}'"
        else
            grep -qF -- "$pattern" "$log" || why="did not print '$pattern'"
        fi
    done
    if [ -z "$why" ]; then
        passed=$((passed + 1)) points=$((points + pts))
        printf 'PASS  %-22s %2d pts\n' "$name" "$pts"
    else
        failed=$((failed + 1))
        printf 'FAIL  %-22s %s (output: build/tests/%s.log)\n' "$name" "$why" "$name"
    fi
}

# A test that cannot run here says why, and counts as skipped.
skip() {
    skipped=$((skipped + 1))
    printf 'SKIP  %-22s %s\n' "$1" "$2"
}

# Build hv1k once (this also installs missing tools); a broken build fails all.
if ! "$top/run.sh" --help >/dev/null || ! "$top/run.sh" --build-only >"$out/build.log" 2>&1; then
    echo "FAIL  build: see build/tests/build.log"
    cat "$out/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi

# Exit statuses, from common.h.
status_of() { sed -n "s/^#define $1 \([0-9]*\).*/\1/p" "$top/common.h"; }
OK=$(status_of EXIT_SHUTDOWN)
USAGE=$(status_of EXIT_USAGE)
GUEST_FAILURE=$(status_of EXIT_GUEST_FAILURE)
VM_ENDED=$(status_of EXIT_VM_ENDED)
NO_H=$(status_of EXIT_NO_H)

# Guests built outside hv1k's guest runtime, the way a student's own would be:
# a raw binary from assembly, and a freestanding ELF linked elsewhere.
build_outside_guests() {
    local cc=${CC:-clang} flags="--target=riscv64-unknown-elf -march=rv64gc
        -mabi=lp64 -mno-relax -nostdlib -fuse-ld=lld"
    # shellcheck disable=SC2086
    $cc $flags -Wl,-Ttext=0x80000000 -o "$out/raw_uart.elf" \
        "$top/tests/outside/raw_uart.S" &&
        llvm-objcopy -O binary "$out/raw_uart.elf" "$out/raw_uart.bin" &&
        $cc $flags -O2 -ffreestanding -mcmodel=medany -Wl,--image-base=0x80200000 \
            -o "$out/elf_sbi.elf" "$top/tests/outside/elf_sbi.c"
}
build_outside_guests >"$out/outside.log" 2>&1 || cat "$out/outside.log"
# A file bigger than 4 MiB of guest RAM.
head -c $((5 << 20)) /dev/zero >"$out/too_big.bin"

# ---- The demo ----
check demo 10 "$OK" "" "" \
    "guest: hello through SBI DBCN" "guest: hello through the emulated UART" \
    "emoji.txt: 🍎" "guest: timer interrupt 3" "hv1k: guest shut down (no reason)" \
    "hv1k: vm exits: sbi" "!FAIL"

# ---- Booting ----
check no_h_extension 5 "$NO_H" "--cpu rv64,h=false" "" \
    "hv1k: this CPU has no H extension"

# ---- Guests from elsewhere, and bad usage ----
check raw_binary 5 "$OK" "build/tests/raw_uart.bin" "" \
    "raw: running at 0x0000000080000000" "hv1k: guest shut down (no reason)"
check raw_load_addr 5 "$OK" "build/tests/raw_uart.bin --load-addr 0x80400000" "" \
    "raw: running at 0x0000000080400000"
check raw_load_addr_after 2 "$OK" "--mem 128M build/tests/raw_uart.bin --load-addr 0x81000000" "" \
    "raw: running at 0x0000000081000000"
check elf_outside 5 "$GUEST_FAILURE" "build/tests/elf_sbi.elf" "" \
    "elf: hello through SBI" "hv1k: guest shut down (system failure)"
check missing_file 2 "$USAGE" "build/tests/no-such-guest.bin" "" \
    "no-such-guest.bin: no such file"
check too_big 3 "$USAGE" "build/tests/too_big.bin --mem 4M" "" \
    "does not fit in guest RAM" "!hv1k: hypervisor started"
check bad_load_addr 2 "$USAGE" "build/tests/raw_uart.bin --load-addr 0x70000000" "" \
    "does not fit in guest RAM"
check bad_option 2 "$USAGE" "--mem 12X" "" "bad size '12X'"

echo "Score: $points/$max_points"
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
