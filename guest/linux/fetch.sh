#!/bin/bash
# fetch.sh - prepare a Linux guest for hv1k in build/linux/:
#
#   Image                   the kernel, a raw RISC-V "Image" (not compressed)
#   version                 its version string, as `uname -r` prints it
#   initramfs.cpio.gz       busybox userspace with a shell on the console
#   initramfs-test.cpio.gz  the same, but it powers off right after printing
#                           "hv1k: linux userspace ok <version> <uptime>"
#
# The kernel and busybox-static are Debian's riscv64 packages, taken from
# suite sid (or $HV1K_DEBIAN_SUITE) on the Debian mirror apt already uses on
# this machine (or $HV1K_DEBIAN_MIRROR).  apt runs with a private
# configuration under build/linux/apt/, so the host's apt state is untouched,
# and checks the archive's signature with Debian's keyring as usual.
#
# The .debs are cached in build/linux/debs/ with a SHA256SUMS file.  Once the
# cache is complete, everything works offline: a second run with unchanged
# outputs is a quick no-op, and a run after deleting or editing outputs (or
# the files next to this script) rebuilds them from the cache.  To move to
# the newest kernel in the suite, run with HV1K_LINUX_UPDATE=1; if the network
# is not available then, the cached packages are used again.
#
# Boot it, for example, with:
#   qemu-system-riscv64 -machine virt -nographic -kernel build/linux/Image \
#       -initrd build/linux/initramfs.cpio.gz -append console=ttyS0
#
# HV1K_LINUX_OUT=DIR (relative to the repository top) writes there instead
# of build/linux; tests/essential-path.sh uses it to rebuild from a copy of
# the cache.
#
# Needs: apt, dpkg-deb, cpio, gzip, sha256sum, od, awk (run.sh's tool list
# names the ones outside Debian's Essential packages).  Meant to run as root
# (see APT::Sandbox::User below).

set -eu
set -o pipefail

cd "$(dirname "$0")/../.."
top=$(pwd)
here=guest/linux
out=${HV1K_LINUX_OUT:-build/linux} # relative to the repository top
debs=$out/debs
aptdir=$top/$out/apt
tmp=$out/tmp
suite=${HV1K_DEBIAN_SUITE:-sid}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

msg() { printf 'fetch.sh: %s\n' "$*" >&2; }
die() { msg "error: $*"; exit 1; }

# --- The package cache ------------------------------------------------------

# The cache belongs to one suite; switching suites means fetching again.
cache_is_complete() {
	[ -s "$debs/SHA256SUMS" ] && [ -f "$debs/suite" ] &&
		[ "$(cat "$debs/suite")" = "$suite" ] &&
		(cd "$debs" && sha256sum --quiet --strict -c SHA256SUMS) >/dev/null 2>&1
}

# build/linux/SHA256SUMS records the outputs together with everything they
# were made from (the cache's own SHA256SUMS and the files in guest/linux/),
# so a change to any of them makes the outputs out of date.  It is written
# last: an interrupted run never leaves outputs that look finished.
outputs_are_current() {
	[ -s "$out/SHA256SUMS" ] && [ -f "$debs/suite" ] &&
		[ "$(cat "$debs/suite")" = "$suite" ] &&
		sha256sum --quiet --strict -c "$out/SHA256SUMS" >/dev/null 2>&1
}

output_files() {
	echo "$out/Image" "$out/version" \
		"$out/initramfs.cpio.gz" "$out/initramfs-test.cpio.gz"
}

input_files() {
	echo "$debs/SHA256SUMS" "$debs/suite" \
		"$here/fetch.sh" "$here/inittab" "$here/rcS" "$here/profile"
}

record_outputs() {
	# shellcheck disable=SC2046 # the file lists are space-separated on purpose
	sha256sum $(output_files) $(input_files) >"$out/SHA256SUMS.new"
	mv "$out/SHA256SUMS.new" "$out/SHA256SUMS"
}

# --- apt, with a private configuration -------------------------------------

# The mirror is whatever the host's apt already uses for Debian itself: the
# part of an index URI before "/dists/".  "Label: Debian" leaves out
# debian-security and third-party repositories, but it is only known once
# the host downloaded its lists, so fall back to any non-security URI.
find_debian_mirror() {
	if [ -n "${HV1K_DEBIAN_MIRROR:-}" ]; then
		echo "${HV1K_DEBIAN_MIRROR%/}"
		return
	fi
	# shellcheck disable=SC2016 # $(URI) is for apt, not the shell
	{
		apt-get indextargets --format '$(URI)' 'Label: Debian'
		apt-get indextargets --format '$(URI)'
	} | awk -F/dists/ 'NF > 1 && $1 !~ /-security$/ && !m { m = $1 }
	                   END { print m }'
}

# The private directories are root's: let apt's downloader run as root too
# (by default it drops to user _apt, which could not write there).  Some
# hosts (Docker images) turn apt's binary cache off; turning it back on
# saves a second of parsing the package lists per apt-cache call (the
# second, source cache would only duplicate it).
# Everything else in /etc/apt/apt.conf.d (a proxy, say) still applies.
apt_options=(
	-oAPT::Architecture=riscv64
	-oAPT::Architectures=riscv64
	-oDir::Etc::SourceList="$aptdir/sources.list"
	-oDir::Etc::SourceParts=/dev/null
	-oDir::Etc::Preferences=/dev/null
	-oDir::Etc::PreferencesParts=/dev/null
	-oDir::State::Lists="$aptdir/lists"
	-oDir::State::Status="$aptdir/status"
	-oDir::Cache="$aptdir/cache"
	-oDir::Cache::pkgcache=pkgcache.bin
	-oDir::Cache::srcpkgcache=
	-oAPT::Sandbox::User=root
)
apt_get() { apt-get "${apt_options[@]}" -q "$@"; }
apt_cache() { apt-cache "${apt_options[@]}" "$@"; }

setup_private_apt() {
	local mirror=$1
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	: >"$aptdir/status" # nothing is installed: no host package interferes
	echo "deb [signed-by=$keyring] $mirror $suite main" >"$aptdir/sources.list"
}

# Download the suite's package lists.  Returns 1 if they could not be
# downloaded (no network, mirror in the middle of a sync, ...), but stops the
# script if the signature is bad: that is never a reason to go on.
update_package_lists() {
	local log=$tmp/apt-update.log
	if apt_get --error-on=any update >"$log" 2>&1; then
		return 0
	fi
	if grep -Eq 'NO_PUBKEY|EXPKEYSIG|BADSIG|GPG error|OpenPGP|is not signed|signatures? (couldn|were invalid|is invalid)|is (expired|not valid yet)' "$log"; then
		grep -E '^(E|W):' "$log" >&2 || true
		die "the signature of the $suite package lists is not valid" \
			"(checked with $keyring)"
	fi
	grep -E '^(E|W|Err):' "$log" >&2 || tail -n 5 "$log" >&2
	return 1
}

# linux-image-riscv64 is a meta package that depends on the current version,
# linux-image-<version>-riscv64.  In recent Debian that package is empty and
# depends on linux-binary-<version>-riscv64, which holds the kernel (without
# its modules, which we do not need); older suites put the kernel straight
# into linux-image-<version>-riscv64.
resolve_kernel_package() {
	local image binary
	image=$(apt_cache depends linux-image-riscv64 |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !p { p = $2 }
		     END { print p }')
	[ -n "$image" ] || die "linux-image-riscv64 in $suite depends on no linux-image-<version>"
	binary=$(apt_cache depends "$image" |
		awk '$1 == "Depends:" && $2 ~ /^linux-binary-/ && !p { p = $2 }
		     END { print p }')
	echo "${binary:-$image}"
}

# Download one package into the cache, unless the cache already holds that
# exact file (same name and the SHA256 from the signed package list).
# apt-get download checks the hash too.  Prints the file's name.
download_package() {
	local pkg=$1 uri file size hash
	read -r uri file size hash < <(apt_get download --print-uris "$pkg") ||
		die "$pkg is not in $suite for riscv64"
	uri=${uri//\'/} # apt quotes it
	if [ -f "$debs/$file" ] &&
		echo "${hash#SHA256:}  $debs/$file" | sha256sum --quiet -c >/dev/null 2>&1; then
		msg "cached: $file"
	else
		msg "downloading $uri ($((size / 1024)) KiB)"
		(cd "$debs" && apt_get download "$pkg" >"$top/$tmp/apt-download.log" 2>&1) || {
			grep -E '^(E|W|Err):' "$tmp/apt-download.log" >&2 || true
			rm -f "$debs/$file.FAILED" # what apt keeps of a bad download
			die "could not download $pkg from ${uri%%/pool/*}"
		}
	fi
	echo "$file"
}

# Resolve the current versions and (re)fill the cache with exactly them.
refresh_cache() {
	local mirror kernel_pkg kernel_deb busybox_deb f
	mirror=$(find_debian_mirror)
	[ -n "$mirror" ] || die "no Debian mirror in the host's apt sources; set HV1K_DEBIAN_MIRROR"
	setup_private_apt "$mirror"
	msg "reading the $suite riscv64 package lists from $mirror"
	if ! update_package_lists; then
		if cache_is_complete; then
			msg "warning: could not download the package lists; using the cached packages"
			return 0
		fi
		die "could not download the $suite package lists from $mirror (see above)," \
			"and $debs/ does not hold a complete cache to fall back on"
	fi
	kernel_pkg=$(resolve_kernel_package)
	msg "kernel package: $kernel_pkg $(apt_cache show --no-all-versions "$kernel_pkg" | sed -n 's/^Version: //p')"
	mkdir -p "$debs"
	kernel_deb=$(download_package "$kernel_pkg")
	busybox_deb=$(download_package busybox-static)
	# Keep only this version's packages and record their sums.
	for f in "$debs"/*.deb; do
		case ${f##*/} in "$kernel_deb" | "$busybox_deb") ;; *) rm -f "$f" ;; esac
	done
	(cd "$debs" && sha256sum "$kernel_deb" "$busybox_deb") >"$debs/SHA256SUMS.new"
	echo "$suite" >"$debs/suite"
	mv "$debs/SHA256SUMS.new" "$debs/SHA256SUMS"
	# apt's binary cache (about 50 MB for sid) is rebuilt when needed; the
	# lists stay, so that the next update can download only their changes.
	rm -f "$aptdir"/cache/*.bin
}

# --- Unpacking --------------------------------------------------------------

# Unpack every cached package into one directory (like dpkg would install
# them, minus the scripts), to pick the two files we need from it.
unpack_cache() {
	local f
	rm -rf "$tmp/unpacked"
	mkdir -p "$tmp/unpacked"
	awk '{ print $2 }' "$debs/SHA256SUMS" | while read -r f; do
		dpkg-deb -x "$debs/$f" "$tmp/unpacked"
	done
}

# Little-endian integer fields of the RISC-V Image header (see Linux's
# Documentation/arch/riscv/boot-image-header.rst).
image_u64() { od -A n -t u8 --endian=little -j "$2" -N 8 "$1" | tr -d ' '; }
image_bytes() { od -A n -t x1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# The hypervisor loads the kernel as a raw Image, so refuse anything else.
# Debian calls the file vmlinuz, but for riscv64 it is not compressed;
# if that ever changes, this is where it shows.
check_raw_image() {
	local f=$1
	if [ "$(image_bytes "$f" 0 2)" = 4d5a ] && [ "$(image_bytes "$f" 4 4)" = 7a696d67 ]; then
		die "$f is a compressed EFI zboot image (\"MZ\" ... \"zimg\"), not a raw Image"
	fi
	if [ "$(image_bytes "$f" 0 2)" = 1f8b ]; then
		die "$f is gzip-compressed (an Image.gz), not a raw Image"
	fi
	# "RISCV\0\0\0" at 0x30 (magic) and "RSC\x05" at 0x38 (magic2).
	if [ "$(image_bytes "$f" 48 8)" != 5249534356000000 ] ||
		[ "$(image_bytes "$f" 56 4)" != 52534305 ]; then
		die "$f is not a RISC-V Image (no RISCV/RSC magic at 0x30)"
	fi
	msg "$(printf 'Image: text_offset 0x%x, image_size 0x%x, file %d bytes' \
		"$(image_u64 "$f" 8)" "$(image_u64 "$f" 16)" "$(stat -c %s "$f")")"
}

# A static RISC-V ELF: 64-bit, little-endian, ET_EXEC, e_machine 0xf3.
check_busybox() {
	if [ "$(image_bytes "$1" 0 6)" != 7f454c460201 ] ||
		[ "$(image_bytes "$1" 16 4)" != 0200f300 ]; then
		die "$1 is not a static riscv64 ELF executable"
	fi
}

# Older packages install the kernel as /boot/vmlinuz-<version>, newer ones
# as /usr/lib/modules/<version>/vmlinuz; either way the name has the version.
unpack_kernel() {
	local kernel version
	for kernel in "$tmp"/unpacked/usr/lib/modules/*/vmlinuz \
		"$tmp"/unpacked/boot/vmlinuz-* ""; do
		[ -f "$kernel" ] && break
	done
	[ -n "$kernel" ] || die "no vmlinuz in the cached kernel package"
	case $kernel in
	*/boot/vmlinuz-*) version=${kernel##*/vmlinuz-} ;;
	*)
		version=${kernel%/vmlinuz}
		version=${version##*/}
		;;
	esac
	msg "kernel $version (${kernel#"$tmp/unpacked"})"
	check_raw_image "$kernel"
	mv "$kernel" "$out/Image"
	echo "$version" >"$out/version"
}

# Debian moved busybox from /bin to /usr/bin at some point; accept both.
unpack_busybox() {
	local busybox
	for busybox in "$tmp"/unpacked/usr/bin/busybox "$tmp"/unpacked/bin/busybox ""; do
		[ -f "$busybox" ] && break
	done
	[ -n "$busybox" ] || die "no busybox in the cached busybox-static package"
	check_busybox "$busybox"
	mv "$busybox" "$tmp/busybox"
}

# --- The initramfs ----------------------------------------------------------

# Lay out the root file system in a directory.  Only the links needed to
# start are made here: rcS runs `busybox --install -s` for the rest, since
# the list of applets is known only to the (riscv64) binary itself.
populate_root() { # dir test?
	local root=$1 test=$2
	rm -rf "$root"
	mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin \
		"$root"/etc/init.d "$root"/proc "$root"/sys "$root"/dev \
		"$root"/tmp "$root"/root
	install -m 0755 "$tmp/busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	# The kernel runs /init from an initramfs.  Busybox picks the applet from
	# the name it was started as, and "/init" ends in "init": busybox init.
	ln -s bin/busybox "$root/init"
	ln -s ../bin/busybox "$root/sbin/init" # for rdinit=/sbin/init
	install -m 0644 "$here/inittab" "$root/etc/inittab"
	install -m 0755 "$here/rcS" "$root/etc/init.d/rcS"
	install -m 0644 "$here/profile" "$root/etc/profile"
	if [ "$test" = test ]; then
		: >"$root/etc/hv1k-poweroff-after-boot" # read by rcS
	fi
}

# newc is the cpio format the kernel unpacks.  Owners root, fixed
# timestamps and gzip -n make the archive depend only on its contents.
# /dev/console is not needed here: the kernel's built-in initramfs
# already has it, and rcS mounts devtmpfs for everything else.
pack_cpio() { # dir output
	find "$1" -exec touch -h -d @0 {} +
	(cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$2.new"
	mv "$2.new" "$2"
}

build_initramfs() {
	populate_root "$tmp/root" interactive
	pack_cpio "$tmp/root" "$out/initramfs.cpio.gz"
	populate_root "$tmp/root" test
	pack_cpio "$tmp/root" "$out/initramfs-test.cpio.gz"
}

# --- Main -------------------------------------------------------------------

main() {
	if [ -z "${HV1K_LINUX_UPDATE:-}" ] && outputs_are_current; then
		msg "up to date: kernel $(cat "$out/version") ($suite)"
	else
		mkdir -p "$out" "$tmp"
		trap 'rm -rf "$top/$tmp"' EXIT
		if [ -n "${HV1K_LINUX_UPDATE:-}" ] || ! cache_is_complete; then
			refresh_cache
		else
			msg "rebuilding from the cached packages (no network needed)"
		fi
		unpack_cache
		unpack_kernel
		unpack_busybox
		build_initramfs
		record_outputs
		msg "ready: kernel $(cat "$out/version") ($suite)"
	fi
	local f paths=
	for f in Image initramfs.cpio.gz initramfs-test.cpio.gz; do
		paths="$paths $top/$out/$f"
	done
	echo "${paths# }"
}

main "$@"
