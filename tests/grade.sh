#!/usr/bin/env bash
# tests/grade.sh: grades hypervisor.c by exercise, in the style of xv6's
# `make grade`.
#
#   ./tests/grade.sh                 grades this tree, in place
#   ./tests/grade.sh DIR             grades DIR/hypervisor.c (a student's tree)
#                                    with this tree's tests: in a fresh copy of
#                                    this tree, so nothing else of DIR counts
#   ./tests/grade.sh --exercise N    only exercise N's tests
#   ./tests/grade.sh --json FILE     also writes the results as JSON (README)
#   ./tests/grade.sh --out DIR       where logs go (default build/grade)
#
# Which tests grade which exercise is in tests/exercises.txt; each test is
# worth the points tests/run.sh gives it, and has its timeout there. Prints
# one line per exercise, "exercise 3 (the catch block's dispatch): 25/25",
# then "score: N/M"; exits 1 unless the score is full. The output of every
# failed test of exercise N goes to OUT/exercise-N.log.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
    echo "usage: tests/grade.sh [--exercise N] [--json FILE] [--out DIR] [DIR]" >&2
    exit 2
}
dir="" json="" out=$top/build/grade only=""
while [ $# -gt 0 ]; do
    case $1 in
    --json) [ $# -ge 2 ] || usage; json=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --exercise) [ $# -ge 2 ] || usage; only=$2; shift 2 ;;
    -*) usage ;;
    *) [ -z "$dir" ] || usage; dir=$1; shift ;;
    esac
done
if [ -n "$dir" ] && [ ! -f "$dir/hypervisor.c" ]; then
    echo "grade: $dir/hypervisor.c: no such file" >&2
    exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The exercises: number, prerequisites and tests from tests/exercises.txt,
# titles from hypervisor.c's markers.
declare -A needs tests title
while IFS='|' read -r n need names; do
    n=$(echo $n) # trims
    [[ $n =~ ^[0-9]+$ ]] || continue
    needs[$n]=$(echo $need) tests[$n]=$(echo $names)
done <"$top/tests/exercises.txt"
while read -r n t; do
    title[$n]=$t
done < <(sed -n 's|.*/\* EXERCISE \([0-9]*\): \(.*\) \*/.*|\1 \2|p' "$top/hypervisor.c" | sort -un -k1,1)
numbers=$(printf '%s\n' "${!tests[@]}" | sort -n)
if [ -n "$only" ]; then
    [ -n "${tests[$only]:-}" ] || { echo "grade: there is no exercise $only" >&2; exit 2; }
    numbers=$only
fi

# The tree the tests run in: this one, or a fresh copy of it with DIR's
# hypervisor.c (the copy's build/ starts empty, so everything is built anew).
tree=$top
if [ -n "$dir" ]; then
    tree=$out/tree
    rm -rf "$tree"
    "$top/tests/copy-project.sh" "$tree"
    cp "$dir/hypervisor.c" "$tree/hypervisor.c"
fi

names=""
for n in $numbers; do names="$names ${tests[$n]}"; done
declare -A max result
while read -r name pts; do max[$name]=$pts; done < <("$top/tests/run.sh" --list $names)
# shellcheck disable=SC2086
"$tree/tests/run.sh" $names >"$out/run.log" 2>&1
while read -r verdict name pts _; do
    result[$name]=$verdict
done < <(grep -E '^(PASS|FAIL)  ' "$out/run.log")

# One line per exercise; a failed test's output goes to its exercise's log.
score=0 total=0 entries=""
for n in $numbers; do
    got=0 all=0 list=""
    rm -f "$out/exercise-$n.log"
    for name in ${tests[$n]}; do
        pts=${max[$name]:-0} passed=false
        all=$((all + pts))
        if [ "${result[$name]:-}" = PASS ]; then
            got=$((got + pts)) passed=true
        else
            why=$(grep -E "^FAIL  $name " "$out/run.log" | sed 's/^FAIL  [^ ]* *[0-9]* pts  //')
            {
                echo "==== $name: ${why:-did not run: see $out/run.log}"
                cat "$tree/build/tests/$name.log" 2>/dev/null || sed -n '/^FAIL  build/,$p' "$out/run.log"
            } >>"$out/exercise-$n.log"
        fi
        list="$list${list:+, }{\"name\": \"$name\", \"points\": $([ $passed = true ] && echo "$pts" || echo 0), \"max\": $pts, \"passed\": $passed}"
    done
    score=$((score + got)) total=$((total + all))
    note=""
    [ "$got" = "$all" ] || note="  (output: ${out#"$top"/}/exercise-$n.log)"
    echo "exercise $n (${title[$n]:-untitled}): $got/$all$note"
    esc=$(printf '%s' "${title[$n]:-}" | sed 's/\\/\\\\/g; s/"/\\"/g')
    need_json=$(echo ${needs[$n]} | sed 's/ /, /g')
    entries="$entries${entries:+,
    }{\"exercise\": $n, \"title\": \"$esc\", \"needs\": [$need_json], \"points\": $got, \"max\": $all, \"tests\": [$list]}"
done
echo "score: $score/$total"

if [ -n "$json" ]; then
    printf '{\n  "score": %d,\n  "max": %d,\n  "exercises": [\n    %s\n  ]\n}\n' \
        "$score" "$total" "$entries" >"$json"
fi
[ "$score" = "$total" ]
