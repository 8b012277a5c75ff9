#!/usr/bin/env bash
# tests/serve-terminal.sh RUN.SH-ARGS...: types requests into `./run.sh
# --serve ...` in a real terminal (a pseudo-terminal from `script`), as a
# student would: two lines, each answered before the next is typed, then an
# empty line, which ends the input. Prints "ok: ..." or "FAIL: ..." per
# check, then the terminal's log, and exits with run.sh's status.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
log=$work/terminal.log
mkfifo "$work/keys"
script -qfec "$top/run.sh $*" /dev/null <"$work/keys" >"$log" 2>&1 &
child=$!
exec 3>"$work/keys" # keep the terminal's input open

# Waits up to 60 s for the fixed string $1 in the log.
wait_for() {
    local deadline=$((SECONDS + 60))
    until grep -qF -- "$1" "$log"; do
        if [ $SECONDS -ge $deadline ] || ! kill -0 "$child" 2>/dev/null; then
            echo "FAIL: no '$1' within 60 s"
            return 1
        fi
        sleep 0.2
    done
    echo "ok: saw '$1'"
}

# A terminal sends \r for Enter; hv1k echoes what is typed.
wait_for "hv1k: serving requests" &&
    printf 'hello terminal\r' >&3 && wait_for "HELLO TERMINAL" &&
    printf 'second line\r' >&3 && wait_for "SECOND LINE" &&
    printf '\r' >&3 && wait_for "hv1k: served 2 requests (0 failed)"
exec 3>&-
status=0
wait "$child" || status=$?
echo "---- terminal ----"
cat "$log"
rm -rf "$work"
exit "$status"
