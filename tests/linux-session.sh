#!/usr/bin/env bash
# tests/linux-session.sh: types into a Linux guest's shell, as a student
# would, and checks the answers. It starts ./run.sh with the given
# arguments, feeds its console through a fifo, prints "ok: ..." or
# "FAIL: ..." for each check, then the whole console log, and exits with
# run.sh's status (1 if the guest stopped answering).
#
#   tests/linux-session.sh shell  RUN.SH-ARGS...   commands, then poweroff
#   tests/linux-session.sh reboot RUN.SH-ARGS...   reboot once, then poweroff
#   tests/linux-session.sh side --linux tests/guests/echo.c
#                                  Linux as VM 1 beside the echo guest as
#                                  VM 2: a command in each, the input moved
#                                  with Ctrl-] and back, poweroff (the input
#                                  moves to VM 2 by itself), then quit in VM 2
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

status="" # run.sh's, once it has ended

# Waits for run.sh to end (once) and keeps its status, 1 if the session
# gave up. A run that has not ended 30 s after the last step is quit with
# Ctrl-A x, and its QEMU killed if even that does not end it: the session
# ends with the console, never by the test's timeout.
wait_run() {
    [ -z "$status" ] || return 0
    local deadline=$((SECONDS + 30))
    while kill -0 "$qemu" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$qemu" 2>/dev/null; then
        quit_qemu "run.sh did not end within 30 s of the last step"
        sleep 5
        if kill -0 "$qemu" 2>/dev/null; then
            echo "FAIL: QEMU did not quit on Ctrl-A x: killed" >&2
            # run.sh and its child, QEMU (no pkill: procps is not Essential)
            # shellcheck disable=SC2046
            kill $(cat "/proc/$qemu/task/$qemu/children" 2>/dev/null) "$qemu"
        fi
    fi
    exec 3>&-
    status=0
    wait "$qemu" || status=$?
    [ ! -e "$work/gave-up" ] || status=1
}

finish() {
    wait_run
    echo "---- console ----"
    cat "$log"
    rm -rf "$work"
    exit "$status"
}

check() { # check OK WHAT
    if [ "$1" = 1 ]; then echo "ok: $2"; else echo "FAIL: $2"; fi
}

# The first time only: says why the session gives up on stderr (a caller
# may be capturing stdout), leaves a mark for finish, and quits QEMU the way
# a person would, with Ctrl-A x, so that no QEMU outlives it.
quit_qemu() {
    if [ ! -e "$work/gave-up" ]; then
        echo "FAIL: $1" >&2
        touch "$work/gave-up"
        printf '\001x' >&3
    fi
}

# Gives up on the session (quit_qemu). In a $(...) subshell it cannot end
# the script: the steps after it give up at once, and the last finish
# prints the console. Its own finish prints to stderr, since the step's
# stdout may be going to /dev/null.
give_up() {
    quit_qemu "$1"
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
            # One more look: QEMU may have printed it just before it ended.
            tail -c +$((mark + 1)) "$log" | grep -qE -- "$1" && break
            give_up "no '$1' within $2 s"
        fi
        sleep 0.2
    done
    tail -c +$((mark + 1)) "$log"
}

# Waits as wait_for does for output matching $1 within $2 s, and checks
# that it came: "ok: $3" or "FAIL: $3".
expect() {
    local out
    out=$(wait_for "$1" "$2")
    check "$(grep -qE -- "$1" <<<"$out" && echo 1)" "$3"
}

type_line() { # the command, after a fresh mark (none once QEMU has quit)
    mark=$(stat -c %s "$log")
    [ -e "$work/gave-up" ] || printf '%s\n' "$1" >&3
}

type_key() { # a key's bytes, with no newline, after a fresh mark
    mark=$(stat -c %s "$log")
    [ -e "$work/gave-up" ] || printf '%s' "$1" >&3
}

# Several VMs: VM N's lines start with "[N] " (a line Linux ends with \r\n
# keeps its \r), and hv1k's own lines with "hv1k: ".
cr=$'\r'
if [ "$mode" = side ]; then
    prompt='^\[1\] ~ # '
else
    prompt='~ # '
fi
wait_for "$prompt" 60 >/dev/null
check 1 "the shell prompt appeared"

if [ "$mode" = side ]; then
    # Linux is VM 1, the echo guest (tests/guests/echo.c) VM 2.
    check "$(grep -qE '^\[2\] echo: ready' "$log" && echo 1)" "vm 2, the echo guest, runs beside Linux"
    type_line 'echo $((6*7))'
    expect "^\[1\] 42$cr?\$" 20 "echo \$((6*7)) in Linux answers [1] 42"

    type_key $'\035' # Ctrl-]
    expect '^hv1k: input goes to vm 2 ' 10 "Ctrl-] moves the input to vm 2"
    type_line 'typed for the echo guest'
    expect '^\[2\] echo: typed for the echo guest$' 10 "vm 2 answers [2] echo: typed for the echo guest"

    type_key $'\035'
    expect '^hv1k: input goes to vm 1 ' 10 "Ctrl-] moves the input back to vm 1"
    type_line 'uname -m'
    expect "^\[1\] riscv64$cr?\$" 20 "uname -m in Linux answers [1] riscv64"
    check "$(grep -q '^\[1\].*typed for the echo' "$log" || echo 1)" \
        "the line typed for vm 2 never reached Linux"

    # poweroff ends VM 1 alone; the input moves on to VM 2 by itself.
    type_line poweroff
    expect '^hv1k: vm 1: guest shut down \(no reason\)' 60 "poweroff shuts vm 1 down"
    expect '^hv1k: input goes to vm 2 ' 10 "the input moves to vm 2 by itself when vm 1 ends"
    type_line quit
    expect '^\[2\] echo: bye$' 10 "quit in vm 2 answers [2] echo: bye"
    wait_for '^hv1k: vm 2 ended: ' 30 >/dev/null
    wait_run
    echo "run.sh's exit status: $status"
    check $((status == 0)) "the run ends with exit status 0"
    for vm in 1 2; do
        check "$(grep -qE "^hv1k: vm $vm ended: status 0 " "$log" && echo 1)" \
            "hv1k: vm $vm ended: status 0"
    done
    finish
elif [ "$mode" = reboot ]; then
    type_line reboot
    wait_for 'hv1k: guest rebooted; starting it again' 60 >/dev/null
    wait_for 'hv1k: linux userspace ok' 60 >/dev/null
    # The new shell's prompt, not the one the old shell printed after
    # `reboot`: poweroff is typed once the new shell reads the console.
    mark=$(grep -abo 'hv1k: linux userspace ok' "$log" | tail -n 1 | cut -d: -f1)
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
