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
#   ./tests/grade.sh --gradescope FILE
#                                    also writes them as Gradescope's results.json
#   ./tests/grade.sh --out DIR       where logs go (default build/grade)
#
# Which tests grade which exercise, and what each is worth in the course, is
# in tests/exercises.txt ("NAME:POINTS"); each test has its timeout in
# tests/run.sh. Prints
# one line per exercise, "exercise 3 (the catch block's dispatch): 25/25",
# under it one line per failed test with its reason (what the guest or
# hv1k said last, or the stub it ran into), then "score: N/M"; exits 1
# unless the score is full. A build that fails is said first, with the
# compiler's first errors. The output of every failed test of exercise N,
# without OpenSBI's banner, goes to OUT/exercise-N.log.
#
# Each test runs once per grade. The exercises run in order, and when every
# test of an exercise timed out, the exercises that need it are not run (a
# hang in code on every test's path would cost each of their tests its
# timeout again): their tests fail, saying so.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
    echo "usage: tests/grade.sh [--exercise N] [--json FILE] [--gradescope FILE] [--out DIR] [DIR]" >&2
    exit 2
}
dir="" json="" gradescope="" out=$top/build/grade only=""
while [ $# -gt 0 ]; do
    case $1 in
    --json) [ $# -ge 2 ] || usage; json=$2; shift 2 ;;
    --gradescope) [ $# -ge 2 ] || usage; gradescope=$2; shift 2 ;;
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

# The exercises: number, prerequisites and tests (each NAME:POINTS) from
# tests/exercises.txt, titles from hypervisor.c's markers.
declare -A needs tests title max
while IFS='|' read -r n need names; do
    n=$(echo $n) # trims
    [[ $n =~ ^[0-9]+$ ]] || continue
    needs[$n]=$(echo $need) tests[$n]=""
    for name in $names; do
        tests[$n]="${tests[$n]}${tests[$n]:+ }${name%%:*}"
        max[${name%%:*}]=${name#*:}
    done
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
# hypervisor.c. In the copy hv1k is built anew; the test guests, built
# from this tree's own sources, start as this tree built them (run.sh
# builds again any that is older than its source or by another compiler),
# which saves compiling about 40 guests per grade.
tree=$top
if [ -n "$dir" ]; then
    tree=$out/tree
    rm -rf "$tree"
    "$top/tests/copy-project.sh" "$tree"
    cp "$dir/hypervisor.c" "$tree/hypervisor.c"
    mkdir -p "$tree/build"
    for elf in "$top"/build/*.elf; do
        [[ $elf != */hypervisor*.elf && -f $elf.cc ]] && cp -p "$elf" "$elf.cc" "$tree/build/"
    done
fi

declare -A result why

# The tests, exercise by exercise. result[NAME] is PASS, FAIL or SKIP, and
# why[NAME] run.sh's reason; a test two exercises list runs once.
: >"$out/run.log"
build_failed="" hung=""
for n in $numbers; do
    blocked=""
    for k in ${needs[$n]}; do
        [[ " $hung " == *" $k "* ]] && { blocked=$k; break; }
    done
    torun=""
    for name in ${tests[$n]}; do
        [ -n "${result[$name]:-}" ] && continue
        if [ -n "$build_failed" ]; then
            result[$name]=SKIP why[$name]="not run: hypervisor.c does not compile"
        elif [ -n "$blocked" ]; then
            result[$name]=SKIP why[$name]="not run: needs exercise $blocked, whose tests all timed out"
        else
            torun="$torun $name"
            rm -f "$tree/build/tests/$name.log" # never show an older run's log
        fi
    done
    if [ -n "$torun" ]; then
        # shellcheck disable=SC2086
        "$tree/tests/run.sh" $torun >"$out/run-$n.log" 2>&1
        cat "$out/run-$n.log" >>"$out/run.log"
        while read -r verdict name pts rest; do
            result[$name]=$verdict
            # "13 pts  did not print 'x' (output: build/tests/NAME.log)" -> "did not print 'x'"
            [ "$verdict" = FAIL ] && why[$name]=$(sed 's/^ *[0-9]* pts  //; s/ (output: [^)]*)$//' <<<"$pts $rest")
        done < <(grep -E '^(PASS|FAIL)  ' "$out/run-$n.log" | grep -v '^FAIL  build')
        if grep -q '^FAIL  build' "$out/run-$n.log"; then
            build_failed=1
            cp "$tree/build/tests/build.log" "$out/build.log" 2>/dev/null
            for name in $torun; do
                result[$name]=SKIP why[$name]="not run: hypervisor.c does not compile"
            done
        fi
    fi
    # Did every test of exercise n time out? Then what needs n is not run.
    all_hung=1
    for name in ${tests[$n]}; do
        [[ ${why[$name]:-} == "timed out"* ]] || all_hung=""
    done
    [ -z "$all_hung" ] || hung="$hung $n"
done

if [ -n "$build_failed" ]; then
    echo "build: hypervisor.c does not compile; the compiler's first errors (all: ${out#"$top"/}/build.log):"
    grep -m 3 -A 2 "error:" "$out/build.log" 2>/dev/null | sed "s|^$tree/||; s/^/  /"
fi

# A test's output without OpenSBI's banner: its lines end in \r, hv1k's
# and the guests' do not.
without_banner() { awk 'past || !/\r$/ { print } /^hv1k: hypervisor started/ { past = 1 }' "$1"; }

# The reason a test of exercise N failed, in one line: the stub it ran
# into, or what the guest or hv1k said (the guest's first FAIL line, or the
# last line before the exit summary), after run.sh's reason.
reason() { # reason NAME N
    local log=$tree/build/tests/$1.log said k
    if [ "${result[$1]:-}" = SKIP ] || [ ! -f "$log" ]; then
        echo "${why[$1]:-did not run: see ${out#"$top"/}/run.log}"
        return
    fi
    said=$(without_banner "$log" | tr -d '\r' | tr '\000-\010\013-\037' '?')
    if [[ $said =~ hv1k:\ TODO:\ exercise\ ([0-9]+)\ \((.*)\)\ is\ not\ written\ yet ]]; then
        k=${BASH_REMATCH[1]}
        if [ "$k" = "$2" ]; then
            echo "exercise $k is still a stub"
        elif [[ " ${needs[$2]} " == *" $k "* ]]; then
            echo "needs exercise $k, still a stub"
        else
            echo "ran into exercise $k's stub (${title[$k]:-}), which exercise $2 does not need; ${why[$1]}"
        fi
        return
    fi
    local line
    line=$(grep -m 1 '^FAIL' <<<"$said")
    [ -n "$line" ] || line=$(grep -v '^hv1k: vm exits: \|^hv1k: served [0-9]* requests\|^qemu-system-[a-z0-9]*: terminating on signal\|^[[:space:]]*$' <<<"$said" | tail -n 1)
    [ ${#line} -le 240 ] || line="${line:0:240}..." # a guest may print a line without end
    echo "${why[$1]}${line:+; it said: $line}"
}

json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -d '\000-\037')"; }

# One line per exercise, one per failed test; a failed test's output goes
# to its exercise's log.
score=0 total=0 entries="" gs_tests=""
for n in $numbers; do
    got=0 all=0 list="" lines=""
    rm -f "$out/exercise-$n.log"
    for name in ${tests[$n]}; do
        pts=${max[$name]:-0} passed=false because=""
        all=$((all + pts))
        if [ "${result[$name]:-}" = PASS ]; then
            got=$((got + pts)) passed=true
        else
            because=$(reason "$name" "$n")
            lines="$lines  $name: $because"$'\n'
            {
                echo "==== $name: $because"
                [ ! -f "$tree/build/tests/$name.log" ] || [ "${result[$name]:-}" = SKIP ] ||
                    without_banner "$tree/build/tests/$name.log" | tr -d '\r\000'
            } >>"$out/exercise-$n.log"
        fi
        list="$list${list:+, }{\"name\": \"$name\", \"points\": $([ $passed = true ] && echo "$pts" || echo 0), \"max\": $pts, \"passed\": $passed, \"reason\": $(json_string "$because")}"
        gs_tests="$gs_tests${gs_tests:+,
    }{\"name\": $(json_string "exercise $n: $name"), \"score\": $([ $passed = true ] && echo "$pts" || echo 0), \"max_score\": $pts, \"output\": $(json_string "${because:-passed}")}"
    done
    score=$((score + got)) total=$((total + all))
    note=""
    [ "$got" = "$all" ] || note="  (output: ${out#"$top"/}/exercise-$n.log)"
    echo "exercise $n (${title[$n]:-untitled}): $got/$all$note"
    printf '%s' "$lines"
    need_json=$(echo ${needs[$n]} | sed 's/ /, /g')
    entries="$entries${entries:+,
    }{\"exercise\": $n, \"title\": $(json_string "${title[$n]:-}"), \"needs\": [$need_json], \"points\": $got, \"max\": $all, \"tests\": [$list]}"
done
echo "score: $score/$total"

if [ -n "$json" ]; then
    printf '{\n  "score": %d,\n  "max": %d,\n  "exercises": [\n    %s\n  ]\n}\n' \
        "$score" "$total" "$entries" >"$json"
fi
# Gradescope's autograder reads /autograder/results/results.json: a score
# and one entry per test (name, score, max_score, output).
if [ -n "$gradescope" ]; then
    printf '{\n  "score": %d,\n  "tests": [\n    %s\n  ]\n}\n' "$score" "$gs_tests" >"$gradescope"
fi
[ "$score" = "$total" ]
