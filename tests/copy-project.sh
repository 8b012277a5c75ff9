#!/usr/bin/env bash
# tests/copy-project.sh OUTDIR: copies the project's files into OUTDIR: what
# git tracks and what it would track (never build/), or without git every
# file but build/. tests/skeleton.sh and tests/grade.sh start from it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# = 1 ] || { echo "usage: tests/copy-project.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
cd "$top"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard
else
    find . -path ./build -prune -o -type f -print | sed 's|^\./||'
fi | while IFS= read -r f; do [ ! -e "$f" ] || echo "$f"; done | # not files deleted from the tree
    tar -cf - -T - | tar -C "$1" -xf -
