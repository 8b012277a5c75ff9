#!/usr/bin/env bash
# tests/stdin.sh MODE RUN.SH-ARGS...: runs ./run.sh with this script's
# standard input delivered another way, to test --serve's input paths.
#   slow   through a pipe that only starts after 2 s (a slow producer)
#   file   from a regular file (input that is all there at once)
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
*) echo "tests/stdin.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
