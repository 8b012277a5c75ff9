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
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
seeds=200 start=1
while [ $# -gt 0 ]; do
    case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    *) break ;;
    esac
done
[[ $seeds =~ ^[0-9]+$ && $start =~ ^[0-9]+$ ]] || {
    echo "usage: tests/fuzz.sh [--seeds N] [--start S] [run.sh options]" >&2
    exit 2
}
options=$* # more run.sh options, for the run and each reproduction
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
