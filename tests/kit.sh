#!/usr/bin/env bash
# tests/kit.sh: proves that the teaching kit works. Run by tests/run.sh as
# the test teaching_kit; prints "ok: ..." or "FAIL: ..." per check and exits
# 1 if any failed.
#   - The reference scores full marks with tests/grade.sh.
#   - The skeleton (tests/skeleton.sh) builds with -Werror, scores 0, and
#     every graded test on it ends by itself (none by its timeout).
#   - For each exercise: the skeleton with only that exercise and its
#     prerequisites restored scores exactly their points, so no exercise
#     leans on another it does not list.
# Everything is written under build/kit/.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
kit=$top/build/kit
rm -rf "$kit"
mkdir -p "$kit"
failures=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }

declare -A needs points
while IFS='|' read -r n need _; do
    n=$(echo $n)
    [[ $n =~ ^[0-9]+$ ]] && needs[$n]=$(echo $need)
done <"$top/tests/exercises.txt"
numbers=$(printf '%s\n' "${!needs[@]}" | sort -n)

# tests/exercises.txt and hypervisor.c's markers name the same exercises,
# and every test it names exists.
marked=$(sed -n 's|.*/\* EXERCISE \([0-9]*\): .* \*/.*|\1|p' "$top/hypervisor.c" | sort -un)
if [ "$(echo $marked)" = "$(echo $numbers)" ]; then
    ok "hypervisor.c marks exercises $(echo $marked), as tests/exercises.txt lists them"
else
    fail "hypervisor.c marks exercises '$(echo $marked)', tests/exercises.txt lists '$(echo $numbers)'"
fi
known=" $("$top/tests/run.sh" --list | cut -d' ' -f1 | tr '\n' ' ') "
for entry in $(grep -v "^#" "$top/tests/exercises.txt" | cut -s -d"|" -f3); do
    name=${entry%%:*}
    [[ $known == *" $name "* ]] || fail "tests/exercises.txt names '$name', which tests/run.sh does not have"
    [[ $entry =~ ^[a-z0-9_]+:[1-9][0-9]*$ ]] || fail "tests/exercises.txt gives '$name' no points (NAME:POINTS)"
done

# grade NAME DIR: grades DIR (its output in build/kit/grade-NAME/ and
# build/kit/NAME.txt); sets `line` to the score line and each exercise's
# most points in `points`.
grade() {
    "$top/tests/grade.sh" --out "$kit/grade-$1" --json "$kit/$1.json" "$2" >"$kit/$1.txt" 2>&1
    line=$(grep '^score: ' "$kit/$1.txt")
    points=()
    local n got
    while read -r n got; do points[$n]=$got; done < <(sed -n 's/^exercise \([0-9]*\) .*: \([0-9]*\)\/\([0-9]*\).*/\1 \3/p' "$kit/$1.txt")
}

# The reference.
grade reference "$top"
max=${line#score: *\/}
if [ "$line" = "score: $max/$max" ]; then
    ok "the reference: $line"
else
    fail "the reference: ${line:-no score line} (see build/kit/reference.txt)"
fi
declare -A worth
for n in $numbers; do worth[$n]=${points[$n]:-0}; done

# The skeleton: it builds with -Werror (run.sh's flags), scores 0, and its
# tests end by themselves, each with the stub's message.
"$top/tests/skeleton.sh" "$kit/skeleton" >/dev/null
if (cd "$kit/skeleton" && ./run.sh --build-only >"$kit/skeleton-build.log" 2>&1) &&
    grep -q -- "-Werror" "$kit/skeleton/run.sh"; then
    ok "the skeleton builds with -Werror"
else
    fail "the skeleton does not build (see build/kit/skeleton-build.log)"
fi
grade skeleton "$kit/skeleton"
if [ "$line" = "score: 0/$max" ]; then
    ok "the skeleton: $line"
else
    fail "the skeleton: ${line:-no score line}, expected score: 0/$max (see build/kit/skeleton.txt)"
fi
if grep -q "timed out" "$kit/grade-skeleton/run.log"; then
    fail "a test of the skeleton ended by its timeout (see build/kit/grade-skeleton/run.log)"
elif [ "$(grep -c "^FAIL  " "$kit/grade-skeleton/run.log")" -gt 0 ] &&
    [ "$(grep -l "hv1k: TODO: exercise" "$kit/grade-skeleton/tree/build/tests/"*.log | wc -l)" = \
        "$(grep -c "^FAIL  " "$kit/grade-skeleton/run.log")" ]; then
    ok "every test of the skeleton ended by itself, with a TODO message"
else
    fail "not every test of the skeleton ended with a TODO message (see build/kit/grade-skeleton/run.log)"
fi

# Each exercise with its prerequisites, and nothing else, restored (a set
# that several exercises share is graded once).
declare -A graded
for n in $numbers; do
    keep=$(printf '%s\n' $n ${needs[$n]} | sort -un | tr '\n' ' ')
    keep=${keep% }
    want=0
    for k in $keep; do want=$((want + worth[$k])); done
    name=keep-${keep// /-}
    if [ -z "${graded[$name]:-}" ]; then
        "$top/tests/skeleton.sh" "$kit/$name" --keep "$keep" >/dev/null
        grade "$name" "$kit/$name"
        graded[$name]=$line
    fi
    line=${graded[$name]}
    if [ "$line" = "score: $want/$max" ]; then
        ok "exercise $n with $keep restored: $line"
    else
        fail "exercise $n with $keep restored: ${line:-no score line}, expected score: $want/$max (see build/kit/$name.txt)"
    fi
done

[ "$failures" = 0 ] && echo "ok: teaching kit: all checks passed"
[ "$failures" = 0 ]
