#!/usr/bin/env bash
# tests/skeleton.sh: writes the student skeleton, a copy of the project in
# which every exercise region of hypervisor.c is a TODO stub.
#
#   ./tests/skeleton.sh OUTDIR            every exercise a stub
#   ./tests/skeleton.sh OUTDIR --keep "1 2 3"
#                                         these exercises keep the reference code
#                                         (refused for an exercise this tree has
#                                         no code for: a skeleton's own stubs)
#
# An exercise region is the lines between a pair of comment lines,
#     /* EXERCISE N: TITLE */
#     ...
#     /* END EXERCISE N */
# (one exercise may have several regions). In the skeleton the lines between
# them become one call, todo("exercise N (TITLE)"), which ends the run at once
# with "hv1k: TODO: exercise N (TITLE) is not written yet", so that no test
# of the skeleton waits for its timeout. The markers stay, so the student
# sees where to write. todo() itself is added where hypervisor.c says
# "adds todo() here", with a pragma: until the stubs are written, the helpers
# only they call are unused, which -Wall would make an error. Nothing else
# in the skeleton may give an answer away: tests/bench/floor.c, which maps a
# G-stage and enters a guest, becomes a file that says it is left out.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
    echo "usage: tests/skeleton.sh OUTDIR [--keep \"N N ...\"]" >&2
    exit 2
}
[ $# -ge 1 ] || usage
outdir=$1 keep=""
shift
while [ $# -gt 0 ]; do
    case $1 in
    --keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
    *) usage ;;
    esac
done
case " $keep " in *[!0-9\ ]*) echo "skeleton: --keep takes exercise numbers, not '$keep'" >&2; exit 2 ;; esac
[ ! -e "$outdir" ] || [ -z "$(ls -A "$outdir")" ] ||
    { echo "skeleton: $outdir exists and is not empty" >&2; exit 2; }

# Every exercise to keep must exist, and have code here to keep: in a tree
# that is itself a skeleton (or a student's, with the exercise unwritten)
# its region is still the todo() stub.
bad=$(awk -v keep=" $keep " '
match($0, /\/\* EXERCISE [0-9]+: /) { n = substr($0, RSTART + 12, RLENGTH - 14) + 0; seen[n] = 1; inside = n; next }
/\/\* END EXERCISE [0-9]+ \*\// { inside = 0; next }
inside && /todo\("exercise / { stub[inside] = 1 }
END {
    split(keep, k, " ")
    for (i in k) {
        if (!(k[i] in seen)) print "there is no exercise " k[i]
        else if (k[i] in stub) print "exercise " k[i] " is a todo() stub in " FILENAME ": there is no code to keep (is this tree a skeleton itself?)"
    }
}' "$top/hypervisor.c")
[ -z "$bad" ] || { echo "skeleton: --keep \"$keep\": $bad" | head -n 1 >&2; exit 2; }

given=$outdir
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd) # copy-project.sh runs from the top of the tree
"$top/tests/copy-project.sh" "$outdir"

awk -v keep=" $keep " '
/adds todo\(\) here/ { anchor = 1 }
anchor && /^$/ {
    print ""
    print "// todo(): what an exercise region is until you write it. Helpers that"
    print "// only your code will call are unused until then: no warning for that."
    print "#pragma clang diagnostic ignored \"-Wunused-function\""
    print "__attribute__((noreturn)) static void todo(const char *exercise) {"
    print "    printf(\"hv1k: TODO: %s is not written yet\\n\", exercise);"
    print "    power_off(EXIT_VM_ENDED);"
    print "}"
    anchor = 0
}
match($0, /\/\* EXERCISE [0-9]+: .* \*\//) {
    if (inside) { print "skeleton: nested EXERCISE at line " NR > "/dev/stderr"; exit 1 }
    marker = substr($0, RSTART + 3, RLENGTH - 6) # "EXERCISE N: TITLE"
    split(marker, f, ": "); number = substr(f[1], 10); title = substr(marker, length(f[1]) + 3)
    print
    inside = 1
    stub = index(keep, " " number " ") == 0
    if (stub) {
        indent = $0; sub(/[^ ].*/, "", indent)
        printf "%stodo(\"exercise %s (%s)\");\n", indent, number, title
    }
    next
}
/\/\* END EXERCISE [0-9]+ \*\// { inside = 0; print; next }
!(inside && stub) { print }
END { if (inside) { print "skeleton: an EXERCISE region never ends" > "/dev/stderr"; exit 1 } }
' "$top/hypervisor.c" >"$outdir/hypervisor.c"

# The floor program of tests/bench.sh maps guest RAM in a G-stage table and
# enters a guest: nearly the answer to exercises 1 and 2. The skeleton has
# a file in its place that says so (tests/bench.sh then stops there).
cat >"$outdir/tests/bench/floor.c" <<'FLOOR'
// tests/bench/floor.c, the floor program of tests/bench.sh, is not in the
// student skeleton: it maps guest RAM in a G-stage table and enters a guest,
// which would give exercises 1 and 2 away. Run the benchmarks in the
// reference tree.
#error "the student skeleton has no floor program: run tests/bench.sh in the reference tree"
FLOOR

echo "skeleton: wrote $given (exercises kept: ${keep:-none})"
