#!/usr/bin/env bash
# tests/linux-session.sh: types into a Linux guest's shell, as a student
# would, and checks the answers. It starts ./run.sh with the given
# arguments, feeds its console through a fifo, prints "ok: ..." or
# "FAIL: ..." for each check, then the whole console log, and exits with
# run.sh's status (1 if the guest stopped answering).
#
#   tests/linux-session.sh shell  RUN.SH-ARGS...   commands, then poweroff
#   tests/linux-session.sh reboot RUN.SH-ARGS...   reboot once, then poweroff
set -u
trap '' PIPE # a write to a QEMU that has ended fails; it does not end this script

top=$(cd "$(dirname "$0")/.." && pwd)
mode=$1
shift
work=$(mktemp -d)
log=$work/console.log
mkfifo "$work/input"
"$top/run.sh" "$@" <"$work/input" >"$log" 2>&1 &
qemu=$!
exec 3>"$work/input" # keep the console's input open
mark=0               # checks look only at output after this byte

finish() {
    exec 3>&-
    local status=0
    wait "$qemu" || status=$?
    [ ! -e "$work/gave-up" ] || status=1
    echo "---- console ----"
    cat "$log"
    rm -rf "$work"
    exit "$status"
}

check() { # check OK WHAT
    if [ "$1" = 1 ]; then echo "ok: $2"; else echo "FAIL: $2"; fi
}

# Gives up on the session: the first step to give up says why on stderr (a
# caller may be capturing stdout), leaves a mark for finish, and quits QEMU
# the way a person would, with Ctrl-A x, so that no QEMU outlives it. In a
# $(...) subshell it cannot end the script: the steps after it give up at
# once, and the last finish prints the console. Its own finish prints to
# stderr, since the step's stdout may be going to /dev/null.
give_up() {
    if [ ! -e "$work/gave-up" ]; then
        echo "FAIL: $1" >&2
        touch "$work/gave-up"
        printf '\001x' >&3
    fi
    [ "$BASH_SUBSHELL" != 0 ] || finish >&2
    exit 1
}

# Waits up to $2 seconds for output matching the extended regex $1 after
# the mark, and prints that output; gives up on timeout.
wait_for() {
    local deadline=$((SECONDS + $2))
    while ! tail -c +$((mark + 1)) "$log" | grep -qE -- "$1"; do
        if [ -e "$work/gave-up" ] || [ $SECONDS -ge "$deadline" ] ||
            ! kill -0 "$qemu" 2>/dev/null; then
            give_up "no '$1' within $2 s"
        fi
        sleep 0.2
    done
    tail -c +$((mark + 1)) "$log"
}

type_line() { # the command, after a fresh mark (none once QEMU has quit)
    mark=$(stat -c %s "$log")
    [ -e "$work/gave-up" ] || printf '%s\n' "$1" >&3
}

prompt='~ # '
wait_for "$prompt" 120 >/dev/null
check 1 "the shell prompt appeared"

if [ "$mode" = reboot ]; then
    type_line reboot
    wait_for 'hv1k: linux userspace ok' 120 >/dev/null
    wait_for "$prompt" 60 >/dev/null
    check 1 "after reboot the shell prompt appeared again"
else
    type_line 'echo $((6*7))'
    out=$(wait_for '^42' 20)
    check "$(grep -c '^42' <<<"$out")" "echo \$((6*7)) answers 42"

    type_line 'uname -m'
    out=$(wait_for '^riscv64' 20)
    check "$(grep -c '^riscv64' <<<"$out")" "uname -m answers riscv64"

    # The UART's interrupt count, before and after typing one more line.
    count='awk '\''/ttyS0/ { print "uart-irqs=" $2 }'\'' /proc/interrupts'
    type_line "$count"
    first=$(wait_for 'uart-irqs=[0-9]+' 20 | grep -oE 'uart-irqs=[0-9]+' | tail -n 1)
    type_line "$count"
    second=$(wait_for 'uart-irqs=[0-9]+' 20 | grep -oE 'uart-irqs=[0-9]+' | tail -n 1)
    first=${first#uart-irqs=} second=${second#uart-irqs=}
    echo "uart interrupts: $first, then $second"
    check $((first > 0 && second > first)) "the UART's interrupt count is above 0 and rises as one types"

    # sleep 2: at least 2 s of guest uptime, 1.5-15 s of host wall time.
    start=$(date +%s%N)
    type_line 'cat /proc/uptime; sleep 2; cat /proc/uptime; echo sleep-done'
    out=$(wait_for '^sleep-done' 30)
    wall_ms=$((($(date +%s%N) - start) / 1000000))
    read -r before after < <(grep -oE '^[0-9]+\.[0-9]+ ' <<<"$out" | tr '\n' ' ')
    guest_ms=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%d", (b - a) * 1000 }')
    echo "sleep 2: guest uptime +${guest_ms} ms, host wall time ${wall_ms} ms"
    check $((guest_ms >= 2000)) "sleep 2 spans at least 2 s of guest uptime"
    check $((wall_ms >= 1500 && wall_ms <= 15000)) "sleep 2 takes 1.5-15 s of host time"
fi

type_line poweroff
finish
