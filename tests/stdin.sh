#!/usr/bin/env bash
# tests/stdin.sh MODE RUN.SH-ARGS...: runs ./run.sh with this script's
# standard input delivered another way, to test the console's input paths.
#   slow   through a pipe that only starts after 2 s (a slow producer)
#   file   from a regular file (input that is all there at once)
#   lines  through a pipe, after 2 s, one line every 0.2 s (a typist who
#          pastes a line at a time)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
mode=$1
shift
input=$(mktemp)
trap 'rm -f "$input"' EXIT
cat >"$input"
case $mode in
slow) { sleep 2; cat "$input"; } | "$top/run.sh" "$@" ;;
file) "$top/run.sh" "$@" <"$input" ;;
lines) { sleep 2; while IFS= read -r line; do printf '%s\n' "$line"; sleep 0.2; done <"$input"; } |
    "$top/run.sh" "$@" ;;
*) echo "tests/stdin.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
