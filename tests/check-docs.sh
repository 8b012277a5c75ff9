#!/usr/bin/env bash
# tests/check-docs.sh: checks the book in docs/ against the code. For every
# chapter docs/NN-*.md:
#   - it has exactly one "**In hypervisor.c:**" line, before its first "##"
#     section, whose backticked names are all functions hypervisor.c defines
#     (a C definition, or an asm label "NAME:\n"), in the order it defines
#     them;
#   - each "## Exercise N: TITLE" section has the title of hypervisor.c's
#     "/* EXERCISE N: TITLE */", names every test tests/exercises.txt gives
#     exercise N, and the command ./tests/grade.sh --exercise N;
#   - it has at least one checked try-it block, and each of them, run with
#     bash from the top directory (stdin /dev/null, 120 s at most), prints
#     every line the block expects.
# And docs/README.md links every chapter, in reading order. The markers are
# defined in docs/README.md, "For the next author".
#
#   ./tests/check-docs.sh                 everything
#   ./tests/check-docs.sh 03-gstage.md    only these chapters (and the index)
#   ./tests/check-docs.sh --no-run        everything but running the try-its
#   ./tests/check-docs.sh --docs DIR      the chapters in DIR instead of docs/
#   ./tests/check-docs.sh --functions     prints hypervisor.c's functions,
#                                         "LINE NAME", in order, and stops
#
# Prints "ok: ..." or "FAIL: ..." per check, then "ok: docs: N chapters
# checked", or exits 1. Each try-it's output goes to build/check-docs/.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
docs=$top/docs run=1 only=()
usage() {
    echo "usage: tests/check-docs.sh [--docs DIR] [--no-run] [--functions] [CHAPTER.md...]" >&2
    exit 2
}
functions_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --docs) [ $# -ge 2 ] || usage; docs=$(cd "$2" && pwd) || exit 2; shift 2 ;;
    --no-run) run=0; shift ;;
    --functions) functions_only=1; shift ;;
    -*) usage ;;
    *) only+=("$(basename "$1")"); shift ;;
    esac
done
out=$top/build/check-docs
failures=0 checked=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }

# The functions hypervisor.c defines, "NAME LINE" per line. A C definition
# is a line at column 0 whose first NAME( (after any __attribute__((...)))
# is followed by "{" before any ";", on that line or the next ones; a
# prototype ends in ";". An asm label is a line "NAME:\n" in an __asm__.
definitions() {
    awk '
    /__asm__[ _a-z]*\(/ { in_asm = 1 }
    in_asm && match($0, /^[ \t]*(__asm__\()?"[A-Za-z_][A-Za-z0-9_]*:\\n"/) {
        label = substr($0, RSTART, RLENGTH)
        sub(/^[^"]*"/, "", label); sub(/:\\n"$/, "", label)
        print label, NR
    }
    in_asm && /\);[ \t]*(\/\/.*)?$/ { in_asm = 0 }
    pending != "" { # a definition whose head goes on over several lines
        text = $0; sub(/\/\/.*/, "", text)
        if (text ~ /\{/) { print pending, pending_line; pending = "" }
        else if (text ~ /;[ \t]*$/) pending = ""
        next
    }
    /^[A-Za-z_]/ && !/^(typedef|enum|union|struct [A-Za-z_0-9]+ *\{)/ {
        text = $0; sub(/\/\/.*/, "", text)
        gsub(/__attribute__\(\(([^()]|\([^()]*\))*\)\)/, "", text)
        if (!match(text, /[A-Za-z_][A-Za-z0-9_]*\(/)) next
        name = substr(text, RSTART, RLENGTH - 1)
        if (name ~ /^(_Static_assert|__asm__|asm)$/) next
        rest = substr(text, RSTART)
        if (rest ~ /\{/) print name, NR
        else if (rest !~ /;[ \t]*$/) { pending = name; pending_line = NR }
    }' "$top/hypervisor.c"
}
declare -A defined
while read -r name line; do
    [ -n "${defined[$name]:-}" ] || defined[$name]=$line
done < <(definitions)
if [ "$functions_only" = 1 ]; then
    for name in "${!defined[@]}"; do echo "${defined[$name]} $name"; done | sort -n
    exit 0
fi

# check_citations FILE: the chapter's one "**In hypervisor.c:**" line.
check_citations() {
    local file=$1 chapter
    chapter=$(basename "$1")
    local lines count
    lines=$(grep -n '^\*\*In hypervisor\.c:\*\*' "$file")
    count=$(grep -c '^\*\*In hypervisor\.c:\*\*' "$file")
    if [ "$count" != 1 ]; then
        fail "$chapter: $count lines start with '**In hypervisor.c:**', not one"
        return
    fi
    local at=${lines%%:*} first_section
    first_section=$(grep -n '^## ' "$file" | head -n 1 | cut -d: -f1)
    if [ -n "$first_section" ] && [ "$at" -gt "$first_section" ]; then
        fail "$chapter: the '**In hypervisor.c:**' line (line $at) comes after the first section"
    fi
    local list=${lines#*:}
    list=${list#'**In hypervisor.c:**'}
    local item name names=() bad=0
    IFS=',' read -ra items <<<"$list"
    for item in "${items[@]}"; do
        item=${item#"${item%%[![:space:]]*}"} item=${item%"${item##*[![:space:]]}"} # trims
        if [[ ! $item =~ ^\`([A-Za-z_][A-Za-z0-9_]*)\`$ ]]; then
            fail "$chapter: '**In hypervisor.c:**' names '$item', not a backticked bare name"
            bad=1
            continue
        fi
        name=${BASH_REMATCH[1]}
        if [ -z "${defined[$name]:-}" ]; then
            fail "$chapter: \`$name\` is not a function in hypervisor.c"
            bad=1
            continue
        fi
        names+=("$name")
    done
    if [ ${#names[@]} = 0 ]; then
        [ "$bad" = 1 ] || fail "$chapter: the '**In hypervisor.c:**' line names no function"
        return
    fi
    local i
    for ((i = 1; i < ${#names[@]}; i++)); do
        local a=${names[i - 1]} b=${names[i]}
        if [ "${defined[$b]}" -le "${defined[$a]}" ]; then
            fail "$chapter: \`$b\` comes before \`$a\` in hypervisor.c (lines ${defined[$b]} and ${defined[$a]}), but after it here"
            bad=1
        fi
    done
    [ "$bad" = 1 ] || ok "$chapter: functions $(printf '%s, ' "${names[@]}" | sed 's/, $//')"
}

# check_exercises FILE: each "## Exercise N: TITLE" section against
# hypervisor.c's markers and tests/exercises.txt.
declare -A exercise_title exercise_tests
while read -r n title; do
    exercise_title[$n]=$title
done < <(sed -n 's|.*/\* EXERCISE \([0-9]*\): \(.*\) \*/.*|\1 \2|p' "$top/hypervisor.c" | sort -un -k1,1)
while IFS='|' read -r n _ names; do
    n=$(echo $n)
    [[ $n =~ ^[0-9]+$ ]] && exercise_tests[$n]=$(echo $names | sed 's/:[0-9]*//g')
done <"$top/tests/exercises.txt"
check_exercises() {
    local file=$1 chapter heading n title
    chapter=$(basename "$1")
    while IFS= read -r heading; do
        [[ $heading =~ ^'## Exercise '([0-9]+)': '(.*)$ ]] || continue
        n=${BASH_REMATCH[1]} title=${BASH_REMATCH[2]}
        if [ -z "${exercise_title[$n]:-}" ]; then
            fail "$chapter: there is no exercise $n in hypervisor.c"
            continue
        fi
        local bad=0 section test
        section=$(awk -v h="$heading" '$0 == h { on = 1; next } on && /^## / { exit } on' "$file")
        if [ "$title" != "${exercise_title[$n]}" ]; then
            fail "$chapter: exercise $n is called '${exercise_title[$n]}' in hypervisor.c, not '$title'"
            bad=1
        fi
        for test in ${exercise_tests[$n]:-}; do
            if ! grep -qF "\`$test\`" <<<"$section"; then
                fail "$chapter: exercise $n does not name its test \`$test\` (tests/exercises.txt)"
                bad=1
            fi
        done
        if ! grep -qF "./tests/grade.sh --exercise $n" <<<"$section"; then
            fail "$chapter: exercise $n does not give the command ./tests/grade.sh --exercise $n"
            bad=1
        fi
        [ "$bad" = 1 ] || ok "$chapter: exercise $n ($title): title, tests ${exercise_tests[$n]:-none}, grade command"
    done < <(grep '^## Exercise ' "$file")
}

# try_it CHAPTER NUMBER COMMAND EXPECTED...: runs one checked try-it block.
try_it() {
    local chapter=$1 number=$2 command=$3
    shift 3
    local log=$out/${chapter%.md}-$number.log status=0 start=$SECONDS line missing=0
    (cd "$top" && timeout -k 5 120 bash -c "$command" </dev/null >"$log" 2>&1) || status=$?
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        fail "$chapter: try-it \`$command\`: did not end within 120 s (output: ${log#"$top"/})"
        return
    fi
    for line in "$@"; do
        if ! grep -qF -- "$line" "$log"; then
            fail "$chapter: try-it \`$command\`: did not print '$line' (output: ${log#"$top"/})"
            missing=1
        fi
    done
    [ "$missing" = 1 ] || ok "$chapter: try-it \`$command\`: all $# lines seen ($((SECONDS - start)) s)"
}

# check_try_its FILE: finds the checked try-it blocks (the line <!-- try-it -->,
# then a ```console fence, "$ COMMAND", expected lines, the closing fence) and
# runs each one, unless --no-run.
check_try_its() {
    local file=$1 chapter state=none number=0 at=0 line command=""
    chapter=$(basename "$1")
    local expected=()
    while IFS= read -r line <&3; do
        at=$((at + 1))
        case $state in
        none)
            [[ $line =~ ^'<!-- try-it -->'[[:space:]]*$ ]] && state=fence ;;
        fence)
            if [[ $line =~ ^'```console'[[:space:]]*$ ]]; then
                state=command
            else
                fail "$chapter: line $at: <!-- try-it --> is not directly followed by a \`\`\`console block"
                state=none
            fi ;;
        command)
            if [[ $line == '$ '* ]]; then
                command=${line#'$ '} expected=() state=output
            else
                fail "$chapter: line $at: a try-it block starts with '$line', not '\$ COMMAND'"
                state=skip
            fi ;;
        output)
            if [[ $line =~ ^'```'[[:space:]]*$ ]]; then
                number=$((number + 1)) state=none
                if [ "$run" = 1 ]; then
                    try_it "$chapter" "$number" "$command" "${expected[@]}"
                fi
            elif [ -n "$line" ] && [ "$line" != ... ]; then
                expected+=("$line")
            fi ;;
        skip)
            [[ $line =~ ^'```'[[:space:]]*$ ]] && state=none ;;
        esac
    done 3<"$file"
    [ "$state" = output ] && fail "$chapter: its last try-it block never ends"
    if [ "$number" = 0 ]; then
        fail "$chapter: no checked try-it block (<!-- try-it --> before a \`\`\`console block)"
    elif [ "$run" = 0 ]; then
        ok "$chapter: $number try-it blocks found (not run: --no-run)"
    fi
}

# check_index: docs/README.md links every chapter, in reading order, and
# nothing that is not one.
check_index() {
    local index=$docs/README.md
    if [ ! -f "$index" ]; then
        fail "README.md: ${index#"$top"/} does not exist"
        return
    fi
    local linked want bad=0 chapter
    linked=$(grep -oE '\]\([0-9][0-9]-[^)#]*\.md' "$index" | sed 's/^](//' | awk '!seen[$0]++')
    want=$(cd "$docs" && ls [0-9][0-9]-*.md 2>/dev/null)
    for chapter in $want; do
        grep -qxF "$chapter" <<<"$linked" || { fail "README.md: does not link $chapter"; bad=1; }
    done
    for chapter in $linked; do
        [ -f "$docs/$chapter" ] || { fail "README.md: links $chapter, which does not exist"; bad=1; }
    done
    if [ "$bad" = 0 ] && [ "$linked" != "$want" ]; then
        fail "README.md: links the chapters out of order: $(echo $linked)"
        bad=1
    fi
    if ! grep -q '^## For the next author' "$index"; then
        fail "README.md: has no section '## For the next author'"
        bad=1
    fi
    [ "$bad" = 1 ] || ok "README.md: links all $(echo "$want" | wc -w) chapters, in order"
}

mkdir -p "$out"
rm -f "$out"/*.log
chapters=()
if [ ${#only[@]} -gt 0 ]; then
    for chapter in "${only[@]}"; do
        [ -f "$docs/$chapter" ] || { fail "$chapter: no such chapter in ${docs#"$top"/}"; continue; }
        chapters+=("$docs/$chapter")
    done
else
    for file in "$docs"/[0-9][0-9]-*.md; do
        [ -f "$file" ] && chapters+=("$file")
    done
fi
[ ${#chapters[@]} -gt 0 ] || fail "docs: no chapters (${docs#"$top"/}/[0-9][0-9]-*.md)"
for file in "${chapters[@]}"; do
    check_citations "$file"
    check_exercises "$file"
    check_try_its "$file"
    checked=$((checked + 1))
done
check_index

if [ "$failures" -gt 0 ]; then
    echo "FAIL: docs: $failures failed checks in $checked chapters"
    exit 1
fi
echo "ok: docs: $checked chapters checked"
