#!/usr/bin/env bash
# tests/bench-linux-boot.sh: how long Debian's kernel takes to reach
# userspace natively (QEMU's own board, no hypervisor) and inside hv1k,
# measured side by side in one run. Each boot uses the test initramfs,
# which powers off right after printing "hv1k: linux userspace ok VERSION
# UPTIME"; the figures are the host's wall time for the whole run and the
# guest's uptime at that line.
#
#   tests/bench-linux-boot.sh [ROUNDS]     (default 3; QEMU=/BIOS= as for run.sh)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
QEMU=${QEMU:-qemu-system-riscv64}
BIOS=${BIOS:-default}
linux=$top/build/linux
"$top/run.sh" --build-only >/dev/null
"$top/guest/linux/fetch.sh" >/dev/null

# One boot: prints "WALL_SECONDS UPTIME_SECONDS".
boot() {
    local start end log
    log=$(mktemp)
    start=$(date +%s%N)
    "$@" </dev/null >"$log" 2>&1 || true
    end=$(date +%s%N)
    local uptime
    uptime=$(grep -oE 'linux userspace ok [^ ]+ [0-9.]+' "$log" | awk '{ print $5 }')
    rm -f "$log"
    awk -v ns=$((end - start)) -v up="${uptime:-nan}" 'BEGIN { printf "%.2f %s\n", ns / 1e9, up }'
}

native() {
    timeout 300 "$QEMU" -machine virt -cpu rv64 -smp 1 -m 256M -nographic \
        -bios "$BIOS" -kernel "$linux/Image" \
        -initrd "$linux/initramfs-test.cpio.gz" -append "console=ttyS0 earlycon"
}

in_hv1k() {
    QEMU=$QEMU BIOS=$BIOS timeout 300 "$top/run.sh" --linux \
        --initrd "$linux/initramfs-test.cpio.gz" "$@"
}

echo "$("$QEMU" --version | head -n 1); kernel $(cat "$linux/version")"
printf '%-22s %12s %12s\n' "boot to userspace" "host wall s" "guest uptime s"
native_sum=0 hv1k_sum=0
for round in $(seq "$rounds"); do
    read -r wall up < <(boot native)
    printf '%-22s %12s %12s\n' "native #$round" "$wall" "$up"
    native_sum=$(awk -v a="$native_sum" -v b="$wall" 'BEGIN { print a + b }')
    read -r wall up < <(boot in_hv1k)
    printf '%-22s %12s %12s\n' "hv1k (sstc) #$round" "$wall" "$up"
    hv1k_sum=$(awk -v a="$hv1k_sum" -v b="$wall" 'BEGIN { print a + b }')
    read -r wall up < <(boot in_hv1k --no-sstc)
    printf '%-22s %12s %12s\n' "hv1k (no sstc) #$round" "$wall" "$up"
done
awk -v n="$native_sum" -v h="$hv1k_sum" -v r="$rounds" 'BEGIN {
    printf "mean wall time: native %.2f s, hv1k %.2f s, ratio %.2f\n", n / r, h / r, h / n }'
