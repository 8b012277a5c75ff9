#!/usr/bin/env bash
# tests/spy-memory.sh: runs tests/guests/spy_memory.c under hv1k and reads
# host physical memory from outside, through QEMU's monitor, while the
# guest waits: the guest wrote "SPY0WN!!" over all of its GPAs that are
# OpenSBI's, hv1k's and its page tables' host addresses, and none of it may
# have landed there. Prints "ok: ..." lines for tests/run.sh to check.
#
#   tests/spy-memory.sh [run.sh options]     (QEMU=, BIOS=, HV1K_UBSAN= as for run.sh)
#
# The monitor listens on a TCP port of 127.0.0.1 (bash's /dev/tcp talks to
# it: no other tool is needed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build/tests"
work=$(mktemp -d "$top/build/tests/spy-memory.XXXXXX")
pid=""
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
hv1k_elf=$top/build/hypervisor${HV1K_UBSAN:+-ubsan}.elf

# Waits up to SECONDS for the output to contain TEXT.
wait_for_output() { # wait_for_output TEXT SECONDS
    local tries=$(($2 * 10))
    until grep -qF "$1" "$work/output"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] && kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
}

# Starts the guest with the monitor on a random port; another, if that
# port is taken (QEMU then ends at once, saying so).
for attempt in 1 2 3 4 5; do
    rm -f "$work/input"
    mkfifo "$work/input"
    port=$((20000 + RANDOM % 20000))
    HV1K_QEMU_ARGS="-monitor tcp:127.0.0.1:$port,server,nowait" \
        "$top/run.sh" "$top/tests/guests/spy_memory.c" "$@" <"$work/input" >"$work/output" 2>&1 &
    pid=$!
    exec 4>"$work/input" # the guest's console input, written after the snapshot
    wait_for_output "hv1k: hypervisor started" 60 || ! grep -q "Address already in use" "$work/output" || {
        exec 4>&-
        wait "$pid" || true
        continue
    }
    break
done

if ! wait_for_output "spy_memory: stored" 120; then
    cat "$work/output"
    echo "FAIL: spy-memory: the guest never said it had stored its pattern"
    exit 1
fi
# pmemsave writes host physical memory 0x80000000 - 0x82000000 to a file.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'pmemsave 0x80000000 0x2000000 "%s"\n' "$work/host.bin" >&3
for _ in $(seq 300); do
    [ "$(stat -c %s "$work/host.bin" 2>/dev/null || echo 0)" = $((0x2000000)) ] && break
    sleep 0.1
done
sleep 0.5 # let QEMU close the file
exec 3>&-
echo >&4 # the key the guest waits for
exec 4>&-
status=0
wait "$pid" || status=$?
pid=""
cat "$work/output"

size=$(stat -c %s "$work/host.bin" 2>/dev/null || echo 0)
if [ "$size" != $((0x2000000)) ]; then
    echo "FAIL: spy-memory: the monitor saved $size bytes of host memory, not 32 MiB"
    exit 1
fi
found=$(LC_ALL=C grep -c -a -F 'SPY0WN!!' "$work/host.bin" || true)
if [ "$found" = 0 ]; then
    echo "ok: spy-memory: no \"SPY0WN!!\" in host memory 0x80000000 - 0x82000000 (OpenSBI, hv1k, its page tables)"
else
    echo "FAIL: spy-memory: \"SPY0WN!!\" is in host memory ($found lines of it)"
fi
# hv1k's code, as it is in the ELF file, must be what is in memory.
llvm-objcopy -O binary --only-section=.text "$hv1k_elf" "$work/text.bin"
text_size=$(stat -c %s "$work/text.bin")
if cmp -s "$work/text.bin" <(dd if="$work/host.bin" bs=4096 skip=$((0x200000 / 4096)) \
    iflag=count_bytes count="$text_size" status=none); then
    echo "ok: spy-memory: hv1k's code ($text_size bytes at 0x80200000) is intact"
else
    echo "FAIL: spy-memory: hv1k's code in memory differs from $hv1k_elf"
fi
exit "$status"
