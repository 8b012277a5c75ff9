#!/usr/bin/env bash
# tests/fuzz.sh [--seeds N] [--start S] [RUN.SH-OPTIONS...]: runs N random-
# instruction guests (seeds S, S+1, ...; default 200 from 1), each a fresh VM
# of tests/guests/fuzz.c under `./run.sh --serve ... --timeout 1`, with a
# healthy "canary" request after every 20 seeds and at the end.
#
# It fails when hv1k panics or traps itself, when the run hangs or QEMU ends
# without hv1k's summary line, when a request gets no line of its own, or
# when a canary is not answered "canary ok". Each failure names the seed
# and the command that reproduces it. The same seed makes the same guest.
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
    (((seed - start + 1) % 20 == 0)) && echo canary
done >"$work/requests"
echo canary >>"$work/requests"
requests=$(wc -l <"$work/requests")
canaries=$(grep -c '^canary$' "$work/requests")

reproduce() { # reproduce REQUEST-NUMBER: the command for that request alone
    local line
    line=$(sed -n "$1p" "$work/requests")
    echo "  seed $line: printf '$line\\n' | ./run.sh --serve tests/guests/fuzz.c --timeout 1${options:+ $options}"
}

started=$SECONDS
status=0
timeout $((requests * 2 + 120)) "$top/run.sh" --serve "$top/tests/guests/fuzz.c" \
    --timeout 1 "$@" <"$work/requests" >"$work/log" 2>&1 || status=$?
# One line per request: hv1k's "request N: ..." or the guest's answer (a
# fuzzed guest may print bytes of its own before either, on the same line).
answered=$(grep -aEc 'request [0-9]+: |fuzz: |canary ok' "$work/log")
failed=""
if grep -aq 'PANIC' "$work/log"; then
    failed="hv1k panicked at request $((answered + 1))"
elif [ "$status" = 124 ]; then
    failed="the run hung at request $((answered + 1))"
elif [ "$status" != 0 ] || ! grep -aq "hv1k: served $requests requests" "$work/log"; then
    failed="QEMU ended with status $status without serving all $requests requests"
elif [ "$answered" != "$requests" ]; then
    failed="$answered lines of outcome for $requests requests"
elif [ "$(grep -ac 'canary ok' "$work/log")" != "$canaries" ]; then
    failed="a canary was not answered"
fi
ended=$(grep -aEc 'request [0-9]+: ' "$work/log")
canaries_ok=$(grep -ac 'canary ok' "$work/log")
echo "fuzz: seeds $start-$((start + seeds - 1)): $ended VMs ended by hv1k," \
    "$((answered - ended - canaries_ok)) answered, $canaries_ok of $canaries canaries ok," \
    "$((SECONDS - started)) s"
grep -a 'hv1k: served' "$work/log"
if [ -n "$failed" ]; then
    echo "FAIL: fuzz: $failed"
    reproduce $((answered + 1))
    grep -a -B3 -A3 'PANIC' "$work/log" | tail -n 8
    exit 1
fi
echo "ok: fuzz: hv1k survived $seeds fuzzed guests, and every canary answered"
