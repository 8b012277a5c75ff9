#!/usr/bin/env bash
# tests/several.sh MODE: checks about several VMs at once that need more
# than one run of ./run.sh, or a look at the order or timing of its lines.
# It prints each run's output, then one "ok: ..." or "FAIL: ..." line per
# check, and exits 0 (a check's line is what tests/run.sh looks for).
#
#   progress     three counters and a spinner: all report before any ends
#   fp           fp_a and fp_b side by side give the results each gives alone
#   idle         two VMs asleep in wfi for 3 s cost QEMU little CPU time
#   fairness     a steady VM beside each flooder gets its lines out whole
#   serve-harts  --serve --harts 2 answers as --harts 1 does, in the same order
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
g=tests/guests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top"

say() { if [ "$1" = 1 ]; then echo "ok: $2"; else echo "FAIL: $2"; fi; }
run() { # run NAME RUN.SH-ARGS...: output in $work/NAME, status in $work/NAME.status
    local name=$1 status=0
    shift
    ./run.sh "$@" </dev/null >"$work/$name" 2>&1 || status=$?
    echo "$status" >"$work/$name.status"
    echo "---- ./run.sh $* (status $status) ----"
    grep -av '^\[[0-9]\] flood_uart: x' "$work/$name" | tail -n 40
}

case ${1:-} in
progress)
    run progress --timeout 3 $g/counter.c $g/counter.c $g/counter.c $g/spin.c
    # Before the first counter finishes, each has reported several times.
    counts=$(awk '/counter: final/ { exit } /^\[[123]\] counter: [0-9]/ { n[substr($1, 2, 1)]++ }
        END { print n[1] + 0, n[2] + 0, n[3] + 0 }' "$work/progress")
    read -r a b c <<<"$counts"
    say $((a >= 3 && b >= 3 && c >= 3)) "progress: before any counter ended, VMs 1, 2 and 3 reported $a, $b and $c times"
    say $(($(cat "$work/progress.status") == 8)) "progress: the run's status is 8 (vm 4's time limit)"
    ;;
fp)
    run a $g/fp_a.c
    run b $g/fp_b.c
    run ab $g/fp_a.c $g/fp_b.c
    for x in a b; do
        alone=$(grep -ao "fp $x: result 0x[0-9a-f]*" "$work/$x")
        beside=$(grep -ao "fp $x: result 0x[0-9a-f]*" "$work/ab")
        say $((${#alone} > 0 && ${#beside} > 0)) "fp: $x printed its result alone and beside the other"
        [ -z "$alone" ] || say "$([ "$alone" = "$beside" ] && echo 1)" "fp: $x is bit-exact beside the other (${alone#*result })"
    done
    ;;
idle)
    TIMEFORMAT="%R %U %S"
    times=$({ time run idle $g/idle_long_sstc.c $g/idle_long_sbi.c >"$work/idle.out"; } 2>&1)
    cat "$work/idle.out"
    read -r wall user sys <<<"$times"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    for name in idle_sstc idle_sbi; do
        grep -q "ok: $name: 5 wakeups" "$work/idle" && ok=1 || ok=0
        say $ok "idle: $name woke 5 times on time, beside the other"
    done
    # Both VMs sleep 3 s: busy harts would cost 2 CPU-seconds a second.
    say "$(awk -v c="$cpu" -v w="$wall" 'BEGIN { print (c < w / 2) }')" \
        "idle: QEMU used $cpu s of CPU in $wall s (two VMs asleep in wfi: less than half the wall time)"
    ;;
fairness)
    # Each flooder beside a steady VM: the steady VM gets every line out
    # whole, and each flooder ends by itself. How much longer the steady
    # VM takes than alone is a figure, not a check here: tests/bench.sh
    # measures it (rows "steady beside flood_*"), since timing on a shared
    # 2-core machine is never asserted in a test.
    took() { sed -n 's/.*steady: took \([0-9]*\) ms.*/\1/p' "$work/$1" | head -n 1; }
    run alone $g/steady.c
    for flood in uart ecall ipi; do
        run "$flood" $g/steady.c $g/flood_$flood.c
        rounds=$(grep -ac '^\[1\] steady: round [0-9][0-9] of 20$' "$work/$flood")
        say $((rounds == 20)) "fairness: beside flood_$flood, steady printed its 20 lines whole ($rounds)"
        grep -q "\[2\] flood_$flood: done" "$work/$flood" && ok=1 || ok=0
        say $ok "fairness: flood_$flood ran beside steady and ended"
        echo "fairness: steady beside flood_$flood took $(took "$flood") ms, alone $(took alone) ms"
    done
    ;;
serve-harts)
    # Hostile requests between good ones: faults, a runaway, secrets left
    # behind for later requests (four look, so that both harts' VMs are seen).
    printf '%s\n' "hello world" fault again loop store-secret find-secret find-secret \
        find-secret find-secret fp-store-secret fp-find-secret fp-find-secret silent \
        badbuf bye >"$work/requests"
    for harts in 1 2; do
        status=0
        ./run.sh --serve --timeout 1 --harts $harts $g/serve_hostile.c <"$work/requests" \
            >"$work/h$harts" 2>&1 || status=$?
        echo "---- --harts $harts (status $status) ----"
        sed -n '/hv1k: serving requests/,$p' "$work/h$harts"
        # The answers and failure lines, without the figures and addresses.
        sed -n '/hv1k: serving requests/,$p' "$work/h$harts" |
            sed 's/us per request.*//; s/sepc 0x[0-9a-f]*/sepc/' >"$work/a$harts"
    done
    lines=$(wc -l <"$work/a1")
    say "$(cmp -s "$work/a1" "$work/a2" && echo 1)" "serve-harts: --harts 2 printed the same $lines lines as --harts 1, in the same order"
    ! grep -q 'secret found' "$work/a2" && grep -q 'served 15 requests (4 failed)' "$work/a2" && ok=1 || ok=0
    say $ok "serve-harts: with 2 harts no secret leaked and all 15 requests were counted"
    ;;
*)
    echo "usage: tests/several.sh progress|fp|idle|fairness|serve-harts" >&2
    exit 2
    ;;
esac
