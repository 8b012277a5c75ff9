#!/usr/bin/env bash
# tests/fuzz.sh [--seeds N] [--start S] [RUN.SH-OPTIONS...]: runs N random-
# instruction guests (seeds S, S+1, ...; default 200 from 1), each a fresh VM
# of tests/guests/fuzz.c under `./run.sh --serve ... --timeout 1`, with a
# healthy "canary" request after every 20 seeds and at the end.
#
# It fails when hv1k panics or traps itself, when the run hangs or QEMU ends
# without hv1k's summary line for every request, or when a canary
# ("canary-N") is not answered "canary-N ok". A panic or a hang names the
# seed and the command that reproduces it. The same seed makes the same
# guest. (A fuzzed page may call respond with any bytes, newlines and all,
# so lines of output are not counted per request.)
#
# tests/fuzz.sh --side-by-side [--seeds N] [--start S] [RUN.SH-OPTIONS...]:
# the seeds two at a time (N rounded up to even; default 20), as VMs 1 and 2
# of one run each, `./run.sh --timeout 2 --mem 256K FUZZ_A FUZZ_B CANARY`,
# beside tests/guests/canary.c as VM 3, which works for a second and checks
# itself. Each fuzzed guest is tests/guests/fuzz.c with its seed compiled in:
# a file of two lines (#define FUZZ_SEED, #include fuzz.c) that run.sh
# builds. A run fails when hv1k panics, when it hangs, when it ends without
# hv1k's "vm N ended: status S" line for each VM or with another status
# than those lines give (the lowest-numbered VM's that did not shut down
# cleanly), or when the canary does not print "canary: ok" and end with
# status 0. The fuzzed VMs may end in any way. Every line a VM prints starts
# with "[N] ", so a fuzzed VM cannot forge the canary's lines or hv1k's.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
seeds="" start=1 side=0
while [ $# -gt 0 ]; do
    case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    --side-by-side) side=1; shift ;;
    *) break ;;
    esac
done
seeds=${seeds:-$((side ? 20 : 200))}
[[ $seeds =~ ^[0-9]+$ && $start =~ ^[0-9]+$ ]] || {
    echo "usage: tests/fuzz.sh [--side-by-side] [--seeds N] [--start S] [run.sh options]" >&2
    exit 2
}
options=$* # more run.sh options, for the run and each reproduction
work=$(mktemp -d)
trap 'rm -rf "$work"; rm -f "$top/build/fuzz_seed_"*"_$$.elf"{,.cc}' EXIT

# --side-by-side: one run per pair of seeds.
side_by_side() {
    local rounds=$(((seeds + 1) / 2)) round a b seed log status summary want vm
    local started=$SECONDS endings="" failed=""
    for ((round = 0; round < rounds; round++)); do
        a=$((start + 2 * round)) b=$((start + 2 * round + 1))
        for seed in "$a" "$b"; do
            printf '#define FUZZ_SEED %dUL\n#include "%s"\n' "$seed" \
                "$top/tests/guests/fuzz.c" >"$work/fuzz_seed_${seed}_$$.c"
        done
        log=$work/round$round.log status=0
        timeout 30 "$top/run.sh" --timeout 2 --mem 256K "$work/fuzz_seed_${a}_$$.c" \
            "$work/fuzz_seed_${b}_$$.c" "$top/tests/guests/canary.c" "$@" \
            </dev/null >"$log" 2>&1 || status=$?
        rm -f "$top/build/fuzz_seed_"{"$a","$b"}"_$$.elf"{,.cc}
        # hv1k's last lines: "hv1k: vm N ended: status S (...)", one per VM.
        summary=$(grep -aoE '^hv1k: vm [1-3] ended: status [0-9]+' "$log" | sed 's/.* //' | paste -sd ' ')
        want=0
        for vm in $summary; do [ "$want" != 0 ] || want=$vm; done
        if grep -aq 'PANIC' "$log" || [ "$status" = 6 ]; then
            failed="hv1k panicked (exit status $status)"
        elif [ "$status" = 124 ]; then
            failed="the run hung (no end within 30 s)"
        elif [ "$(wc -w <<<"$summary")" != 3 ]; then
            failed="the run ended (exit status $status) without hv1k's line for each VM"
        elif [ "$status" != "$want" ]; then
            failed="exit status $status, but the VMs ended with status $summary"
        elif ! grep -aq '^\[3\] canary: ok: ' "$log" || ! grep -aq '^hv1k: vm 3 ended: status 0 ' "$log"; then
            failed="the canary (vm 3) did not finish cleanly"
        fi
        endings+=$(grep -aoE '^hv1k: vm [12] ended: status [0-9]+ \([^)]+\)' "$log" | sed 's/.*(//; s/)$/,/')
        if [ -n "$failed" ]; then
            echo "FAIL: fuzz side by side: seeds $a and $b: $failed"
            echo "  again: tests/fuzz.sh --side-by-side --start $a --seeds 2${options:+ $options}"
            # The run's last 20 lines but the fuzzed VMs' own.
            grep -avE '^\[[12]\] ' "$log" | tail -n 20 | sed 's/^/  /'
            return 1
        fi
    done
    echo "fuzz: side by side: seeds $start-$((start + 2 * rounds - 1)) in $rounds runs," \
        "$((SECONDS - started)) s; the fuzzed VMs:" \
        "$(tr ',' '\n' <<<"$endings" | grep . | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%d%s", sep, n, $0; sep = ", " }')"
    echo "ok: fuzz side by side: hv1k survived $((2 * rounds)) fuzzed guests two at a time," \
        "and the canary beside them finished cleanly in all $rounds runs"
}
if [ "$side" = 1 ]; then
    side_by_side "$@"
    exit
fi

# The requests: seeds, with a canary after every 20 and one at the end.
for ((seed = start; seed < start + seeds; seed++)); do
    echo "$seed"
    (((seed - start + 1) % 20 == 0)) && echo "canary-$seed"
done >"$work/requests"
echo canary-end >>"$work/requests"
requests=$(wc -l <"$work/requests")
canaries=$(grep -c '^canary-' "$work/requests")

reproduce() { # reproduce SEED: the command that runs that seed alone
    echo "  seed $1: printf '$1\\n' | ./run.sh --serve tests/guests/fuzz.c --timeout 1${options:+ $options}"
}

started=$SECONDS
status=0
timeout $((requests * 2 + 120)) "$top/run.sh" --serve "$top/tests/guests/fuzz.c" \
    --timeout 1 "$@" <"$work/requests" >"$work/log" 2>&1 || status=$?
# The seed that ran last: each fuzzed guest first prints "fuzz: seed N".
last=$(grep -aoE 'fuzz: seed [0-9]+' "$work/log" | tail -n 1 | tr -dc 0-9)
canaries_ok=0
for canary in $(grep '^canary-' "$work/requests"); do
    grep -aqF "$canary ok" "$work/log" && canaries_ok=$((canaries_ok + 1))
done
failed="" at=""
if grep -aq 'PANIC' "$work/log"; then
    failed="hv1k panicked" at=1
elif [ "$status" = 124 ]; then
    failed="the run hung" at=1
elif [ "$status" != 0 ] || ! grep -aq "hv1k: served $requests requests" "$work/log"; then
    failed="QEMU ended with status $status without serving all $requests requests"
elif [ "$canaries_ok" != "$canaries" ]; then
    failed="only $canaries_ok of $canaries canaries were answered"
fi
echo "fuzz: seeds $start-$((start + seeds - 1)): $(grep -aEc 'request [0-9]+: ' "$work/log")" \
    "VMs ended by hv1k, $canaries_ok of $canaries canaries ok, $((SECONDS - started)) s"
grep -a 'hv1k: served' "$work/log"
if [ -n "$failed" ]; then
    echo "FAIL: fuzz: $failed"
    if [ -n "$at" ] && [ -n "$last" ]; then
        reproduce "$last"
        grep -a -B3 -A3 'PANIC' "$work/log" | tail -n 8
    fi
    exit 1
fi
echo "ok: fuzz: hv1k survived $seeds fuzzed guests, and every canary answered"
