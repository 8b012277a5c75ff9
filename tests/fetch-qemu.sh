#!/bin/bash
# fetch-qemu.sh - get a newer QEMU (10.0) and OpenSBI (1.5) for hv1k's tests.
#
# Debian bookworm ships QEMU 7.2.  Its bookworm-backports suite has
# QEMU 10.0 and OpenSBI 1.5, which model the H extension and SBI much
# more faithfully.  We do NOT install them: we download the .debs with a
# private apt configuration (so the system's apt state is never touched)
# and unpack them with `dpkg-deb -x` into a folder of our own.  The
# system QEMU 7.2 keeps working as before.
#
# Usage:   tests/fetch-qemu.sh [DIR]        (DIR defaults to build/qemu10)
# Output:  exactly two lines on stdout, ready for `eval`:
#            QEMU=/abs/path/DIR/qemu-system-riscv64      (a wrapper script)
#            BIOS=/abs/path/DIR/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
#          Progress messages go to stderr.
#
#   eval "$(tests/fetch-qemu.sh)"
#   "$QEMU" -machine virt -cpu rv64,h=true -bios "$BIOS" -nographic ...
#
# The Debian mirror is read from this machine's apt configuration; set
# HV1K_DEBIAN_MIRROR=<url> to use another one.
set -eu

# The packages we need.  All qemu-* ones must be the very same version:
# QEMU refuses to load modules from a different build.  The gui/opengl/
# spice module packages are only here so that QEMU finds *its own*
# modules instead of the system 7.2 ones (which make it abort).
QEMU_PKGS="qemu-system-riscv qemu-system-common qemu-system-data
           qemu-system-gui qemu-system-modules-opengl qemu-system-modules-spice"
FW_PKG="opensbi"
SUITE="bookworm-backports"
KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"

say() { echo "fetch-qemu: $*" >&2; }
die() { echo "fetch-qemu: error: $*" >&2; exit 1; }

# Print the two lines a caller can eval.
print_result() {
    echo "QEMU=$WRAPPER"
    echo "BIOS=$BIOS"
}

# True if an earlier run already left a working wrapper and firmware.
already_fetched() {
    [ -x "$WRAPPER" ] && [ -f "$BIOS" ] && "$WRAPPER" -version >/dev/null 2>&1
}

# Print the base URL of the Debian mirror (the part before /dists/),
# taken from the env var or from the machine's own apt sources.
find_debian_mirror() {
    if [ -n "${HV1K_DEBIAN_MIRROR:-}" ]; then
        echo "${HV1K_DEBIAN_MIRROR%/}"
        return
    fi
    # Prefer the source that serves plain "bookworm" (not -security).
    local uri
    # shellcheck disable=SC2016   # $(URI) is apt's placeholder, not shell
    uri=$(apt-get indextargets --format '$(URI)' \
              'Codename: bookworm' 'Created-By: Packages' 2>/dev/null | head -n1)
    [ -n "$uri" ] || die "cannot find a Debian bookworm mirror in the apt" \
                         "configuration; set HV1K_DEBIAN_MIRROR=<url>"
    echo "${uri%%/dists/*}"
}

# Write a private sources.list and apt.conf under $APTDIR.  Every path
# apt would write to points into $APTDIR, and the system's hooks and
# pinning preferences are switched off.
write_private_apt_config() {
    local mirror=$1
    mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" \
             "$APTDIR/state" "$APTDIR/debs"
    : > "$APTDIR/status"       # empty dpkg status: "nothing installed"
    echo "deb [signed-by=$KEYRING] $mirror $SUITE main" > "$APTDIR/sources.list"
    cat > "$APTDIR/apt.conf" <<EOF
Dir::Etc::SourceList "$APTDIR/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "/dev/null";
Dir::State "$APTDIR/state";
Dir::State::Lists "$APTDIR/lists";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR/cache";
APT::Sandbox::User "root";
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
EOF
}

# apt-get / apt-cache, but using only our private configuration.
private_apt_get()   { apt-get   -c "$APTDIR/apt.conf" "$@"; }
private_apt_cache() { apt-cache -c "$APTDIR/apt.conf" "$@"; }

# Print the version of package $1 that the backports index offers.
candidate_version() {
    private_apt_cache show --no-all-versions "$1" 2>/dev/null |
        sed -n 's/^Version: //p' | head -n1
}

# Download the .debs (pinned as pkg=version) into $APTDIR/debs.
download_debs() {
    local qver fwver pkg list=()
    qver=$(candidate_version qemu-system-riscv)
    fwver=$(candidate_version "$FW_PKG")
    [ -n "$qver" ]  || die "qemu-system-riscv not found in $SUITE"
    [ -n "$fwver" ] || die "$FW_PKG not found in $SUITE"
    say "QEMU packages $qver, $FW_PKG $fwver"
    for pkg in $QEMU_PKGS; do
        list+=("$pkg=$qver")
    done
    rm -f "$APTDIR"/debs/*.deb
    # apt-get download saves into the current directory.
    (cd "$APTDIR/debs" && private_apt_get download "${list[@]}" "$FW_PKG=$fwver" >&2) ||
        die "downloading the .debs failed"
}

# Unpack every downloaded .deb into $DIR (no scripts run, no dpkg db).
unpack_debs() {
    local deb
    for deb in "$APTDIR"/debs/*.deb; do
        say "unpacking $(basename "$deb")"
        dpkg-deb -x "$deb" "$DIR" || die "cannot unpack $deb"
    done
}

# Some modules need libraries this machine lacks (audio-pipewire.so needs
# libpipewire).  QEMU would print "failed to open module" on every run,
# so remove the modules that can never load here.
drop_unloadable_modules() {
    local mod
    for mod in "$DIR"/usr/lib/*/qemu/*.so; do
        if ldd "$mod" 2>/dev/null | grep -q 'not found'; then
            say "removing $(basename "$mod") (needs libraries not installed here)"
            rm -f "$mod"
        fi
    done
}

# Write $WRAPPER: it finds its own folder at run time (so DIR can be
# moved), points QEMU at the unpacked data files and modules, and execs
# the unpacked binary.
write_wrapper() {
    local moddir=""
    for moddir in "$DIR"/usr/lib/*/qemu; do :; done   # usr/lib/<triplet>/qemu
    [ -d "$moddir" ] || die "no QEMU module folder under $DIR/usr/lib"
    moddir=${moddir#"$DIR"/}                            # relative to DIR
    cat > "$WRAPPER" <<EOF
#!/bin/sh
# Generated by tests/fetch-qemu.sh: run the QEMU unpacked beside this file.
here=\$(dirname "\$(readlink -f "\$0")")   # this file's folder, even via a symlink
QEMU_MODULE_DIR="\$here/$moddir"
export QEMU_MODULE_DIR
exec "\$here/usr/bin/qemu-system-riscv64" -L "\$here/usr/share/qemu" "\$@"
EOF
    chmod +x "$WRAPPER"
}

# Make sure the result really runs before we tell anyone about it.
check_result() {
    [ -f "$BIOS" ] || die "firmware missing: $BIOS"
    "$WRAPPER" -version >&2 ||
        die "the unpacked QEMU does not run (missing shared libraries?)"
}

# --- main ---------------------------------------------------------------
TOP=$(cd "$(dirname "$0")/.." && pwd)        # repo top, found from this script
DIR=${1:-$TOP/build/qemu10}                  # a DIR argument is relative to $PWD
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)                      # make it absolute
APTDIR="$DIR/apt"
WRAPPER="$DIR/qemu-system-riscv64"
BIOS="$DIR/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

if already_fetched; then
    say "already there: $("$WRAPPER" -version | head -n1)"
    print_result
    exit 0
fi

MIRROR=$(find_debian_mirror)
say "using mirror $MIRROR ($SUITE), private apt state in $APTDIR"
write_private_apt_config "$MIRROR"
private_apt_get update --error-on=any >&2 ||
    die "apt-get update of $SUITE from $MIRROR failed"
download_debs
unpack_debs
drop_unloadable_modules
write_wrapper
check_result
print_result
