#!/usr/bin/env bash
# tests/essential-path.sh: proves that run.sh's tool list (./run.sh
# --list-tools) names every tool the README's two commands use.
#
# It builds a PATH that holds only the commands of Debian's Essential
# packages (which every Debian system has) plus the tools on the list, as a
# temporary directory of links, and runs under it what the test command
# sets up: the build, the guests built outside hv1k, a rebuild of the Linux
# guest from a copy of its package cache, the line count and one demo run.
# A script that calls a tool the list does not name then fails with
# "command not found", and this test names the tool. Last, with one listed
# tool (cpio) taken out of that PATH, HV1K_NO_INSTALL=1 must print the
# apt-get line that installs its package.
#
# Prints "ok: ..." or "FAIL: ..." per step; exits 1 if any step failed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "$top/build/essential.XXXXXX")
trap 'rm -rf "$work"' EXIT
bin=$work/bin
mkdir -p "$bin"
failed=0

# The executables that Debian's Essential packages ship in the usual bin
# folders (dpkg-query says which packages are Essential, dpkg -L what each
# ships), plus each command on run.sh's tool list.
link_essential_commands() {
    local pkg file
    for pkg in $(dpkg-query -W -f '${Package} ${Essential}\n' | awk '$2 == "yes" { print $1 }'); do
        dpkg -L "$pkg" | grep -E '^(/usr)?/s?bin/[^/]+$' || true
    done | while read -r file; do
        [ -x "$file" ] && [ ! -d "$file" ] && ln -sf "$file" "$bin/${file##*/}"
    done
}

link_listed_tools() {
    local command package path
    while read -r command package; do
        path=$(command -v "$command") || {
            echo "FAIL: '$command' (package $package) is on the list but not installed"
            failed=1
            continue
        }
        ln -sf "$path" "$bin/${command##*/}"
    done < <("$top/run.sh" --list-tools)
}

# step NAME COMMAND...: runs COMMAND under the Essential-only PATH and
# reports; a "command not found" in its output names the missing tool.
step() {
    local name=$1 log=$work/step.log status=0
    shift
    env PATH="$bin" HV1K_NO_INSTALL=1 "$@" >"$log" 2>&1 </dev/null || status=$?
    local missing
    missing=$(grep -oE '[^ :]+: (command )?not found' "$log" | sort -u | tr '\n' ' ')
    if [ -n "$missing" ]; then
        echo "FAIL: $name: a tool is not on run.sh's list: $missing"
    elif [ "$status" != 0 ]; then
        echo "FAIL: $name: exit status $status"
    else
        echo "ok: $name"
        return
    fi
    failed=1
    sed 's/^/    /' "$log" | tail -n 20
}

link_essential_commands
link_listed_tools
echo "essential-path: $(find "$bin" -mindepth 1 | wc -l) commands on PATH"

step "./run.sh --build-only" "$top/run.sh" --build-only
step "tests/outside/build.sh" "$top/tests/outside/build.sh" "$work"
step "tests/count-lines.sh" "$top/tests/count-lines.sh"
# fetch.sh from its cache (no network): unpack, busybox, two initramfs.
if [ -s "$top/build/linux/debs/SHA256SUMS" ]; then
    mkdir -p "$work/linux"
    cp -r "$top/build/linux/debs" "$work/linux/"
    step "guest/linux/fetch.sh (rebuild from the cache)" \
        env HV1K_LINUX_OUT="${work#"$top"/}/linux" "$top/guest/linux/fetch.sh"
else
    echo "FAIL: guest/linux/fetch.sh: no package cache in build/linux/debs to rebuild from"
    failed=1
fi
step "./run.sh (the demo)" "$top/run.sh"

# One listed tool missing: HV1K_NO_INSTALL=1 prints how to install it.
rm -f "$bin/cpio"
env PATH="$bin" HV1K_NO_INSTALL=1 "$top/run.sh" --build-only >"$work/no-cpio.log" 2>&1 </dev/null
status=$?
if [ "$status" = 2 ] && grep -qE 'apt-get install -y( [a-z0-9.+-]+)* cpio( |$)' "$work/no-cpio.log"; then
    echo "ok: without cpio, HV1K_NO_INSTALL=1 prints: $(grep -o 'apt-get install.*' "$work/no-cpio.log")"
else
    echo "FAIL: without cpio, HV1K_NO_INSTALL=1 gave status $status and no 'apt-get install ... cpio' line"
    sed 's/^/    /' "$work/no-cpio.log"
    failed=1
fi
exit "$failed"
