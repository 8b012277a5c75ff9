#!/usr/bin/env bash
# run.sh: builds hv1k and runs a guest in it under QEMU.
#
#   ./run.sh                 build and run the demo guest
#   ./run.sh --linux         boot Debian's Linux kernel to a busybox shell
#   ./run.sh FILE [options]  run a raw binary, a Linux Image or an ELF file
#   ./run.sh --help          all options
#
# What a shell and distro tools do well happens here, so that hypervisor.c
# can spend its lines on what it teaches: building, reading image headers,
# size checks, and the VM's device tree (dtc). The hypervisor finds the guest
# already in guest RAM and reads a small boot-info block (common.h).
set -eu

top=$(cd "$(dirname "$0")" && pwd)
build=$top/build

# Tools; each can be replaced from the environment (e.g. CC=clang-19).
CC=${CC:-clang}
READELF=${READELF:-llvm-readelf}
DTC=${DTC:-dtc}
QEMU=${QEMU:-qemu-system-riscv64}
BIOS=${BIOS:-default}
CFLAGS="--target=riscv64-unknown-elf -mabi=lp64 -mcmodel=medany -mno-relax
    -ffreestanding -nostdlib -fno-stack-protector -fuse-ld=lld
    -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter"

# A value #defined in common.h, so the numbers live in one place.
from_common_h() {
    sed -n "s/^#define $1 *\(0x[0-9a-fA-F]*\|[0-9]*\).*/\1/p" "$top/common.h"
}
EXIT_USAGE=$(from_common_h EXIT_USAGE)
EXIT_REBOOT=$(from_common_h EXIT_REBOOT)
GUEST_RAM_BASE=$(from_common_h GUEST_RAM_BASE)
GUEST_RAM_HPA=$(from_common_h GUEST_RAM_HPA)
BOOT_INFO_HPA=$(from_common_h BOOT_INFO_HPA)
BOOT_INFO_MAGIC=$(from_common_h BOOT_INFO_MAGIC)
BOOT_SSTC=1

usage() {
    cat <<EOF
usage: ./run.sh [FILE] [options]

Builds hv1k and runs FILE as its guest (the demo guest without FILE).
FILE is a raw RV64 binary (placed at 0x80000000 or --load-addr), a Linux
Image (placed per its header), an ELF file (placed per its PT_LOAD
physical addresses, started at its entry point), or a guest written in C
like guest/demo.c (FILE.c: built with guest/start.S and guest/guest.ld).

options (before or after FILE):
  --linux            boot Debian's riscv64 kernel and a busybox initramfs
                     (fetched into build/linux/ by guest/linux/fetch.sh the
                     first time; default --mem 256M, --append
                     "console=ttyS0 earlycon"); type poweroff to end it
  --mem SIZE         guest RAM, e.g. 64M (default), 128M, 1G (suffix K, M, G)
  --load-addr ADDR   guest physical load address of a raw binary
  --append "ARGS"    kernel command line (/chosen/bootargs)
  --initrd FILE      initial ramdisk, placed after the image
  --no-sstc          do not give the guest Sstc: its timer goes through SBI
  --cpu MODEL        QEMU CPU model (default rv64,h=true)
  --log              write QEMU's trap log to build/qemu.log
  --debug            wait for gdb-multiarch on tcp::1234 (prints the command)
  --build-only       install missing tools, build hv1k and the demo, and stop
  --list-tools       print the tools run.sh and the tests need (COMMAND
                     PACKAGE per line), all checked on every run
  --help             this text

environment:
  CC, QEMU, BIOS     another compiler (e.g. CC=clang-19), QEMU or firmware
  HV1K_NO_INSTALL=1  print the apt-get command for missing tools and stop

exit status: 0 guest shut down, 2 bad usage or image that does not fit,
3 guest reported a failure, 4 VM ended by hv1k (guest fault), 5 no H
extension, 6 hypervisor panic; anything else comes from QEMU itself.
In QEMU, press Ctrl-A then x to quit.
EOF
}

die() {
    echo "run.sh: $*" >&2
    exit "$EXIT_USAGE"
}

# ---- Tools: install what is missing with apt-get (sudo when not root) ----
# The one list of tools: every command that run.sh, tests/ and guest/linux/
# call and that is not in one of Debian's Essential packages (coreutils,
# grep, sed, gzip, dpkg, ... are always there), with the package that has
# it. Every run checks the whole list at once, so `./run.sh` and
# `./tests/run.sh` install all that either of them will ever need.
# `./run.sh --list-tools` prints it; the test essential_path holds it true.
tool_list() {
    case $CC in
    clang-[0-9]*) echo "$CC $CC" ;; # e.g. CC=clang-19: package clang-19
    *) echo "$CC clang" ;;
    esac
    echo "ld.lld lld"
    echo "$READELF llvm"
    echo "llvm-objcopy llvm" # tests/: raw binaries built outside hv1k
    echo "$DTC device-tree-compiler"
    echo "$QEMU qemu-system-misc"
    echo "cpio cpio" # guest/linux/fetch.sh: the initramfs
    echo "awk mawk"  # mawk is required on Debian, but not Essential
    echo "apt-get apt"
    [ "$debug" = 0 ] || echo "gdb-multiarch gdb-multiarch"
}

check_tools() {
    local missing="" command package
    while read -r command package; do
        command -v "$command" >/dev/null 2>&1 || missing="$missing $package"
    done < <(tool_list)
    [ -n "$missing" ] || return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo "
    local install="${sudo}apt-get install -y$missing"
    if [ "${HV1K_NO_INSTALL:-0}" = 1 ]; then
        echo "run.sh: missing tools; install them with:" >&2
        echo "  ${sudo}apt-get update && $install" >&2
        exit "$EXIT_USAGE"
    fi
    echo "+ ${sudo}apt-get update" >&2
    ${sudo}apt-get update >&2
    echo "+ $install" >&2
    DEBIAN_FRONTEND=noninteractive $install >&2
    command -v "$QEMU" >/dev/null || die "QEMU '$QEMU' not found"
}

# ---- Building ----
# Each build writes a private file and renames it into build/, so runs at
# the same time never see each other's half-written files.
build_hypervisor() {
    # shellcheck disable=SC2086
    $CC $CFLAGS -march=rv64imac -Wl,-T"$top/linker.ld" \
        -Wl,-Map="$build/hypervisor.map" -o "$run_dir/hypervisor.elf" \
        "$top/hypervisor.c"
    mv -f "$run_dir/hypervisor.elf" "$build/hypervisor.elf"
}

build_guest() { # build_guest OUTPUT.elf SOURCE.c
    # shellcheck disable=SC2086
    $CC $CFLAGS -march=rv64gc -Wl,-T"$top/guest/guest.ld" \
        -o "$run_dir/guest.elf" "$top/guest/start.S" "$2"
    mv -f "$run_dir/guest.elf" "$1"
}

# ---- Sizes and numbers ----
# Bytes in SIZE (e.g. 64M, 1G, 512K, 4096).
parse_size() {
    local n=${1%[KkMmGg]}
    case $n in '' | *[!0-9]*) die "bad size '$1' (try 64M or 1G)" ;; esac
    case $1 in
    *[Kk]) echo $((n << 10)) ;;
    *[Mm]) echo $((n << 20)) ;;
    *[Gg]) echo $((n << 30)) ;;
    *) echo "$n" ;;
    esac
}

hex() { printf '0x%x' "$1"; }
align_up() { echo $((($1 + $2 - 1) / $2 * $2)); }
file_size() { stat -c %s "$1"; }
# A little-endian u64 at byte OFFSET of FILE, as a decimal number.
read_u64() { od -An -tu8 -j "$2" -N 8 "$1" | tr -d ' '; }
# LENGTH bytes at byte OFFSET of FILE, in hex.
read_hex() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# ---- Placing the guest image (sets image_bin, load_gpa, image_end, entry) ----
# Each PT_LOAD segment's file bytes go to (physical address - lowest one) in
# a flat image; the rest of guest RAM starts zeroed, which covers .bss.
place_elf() {
    local f=$1 header segments
    header=$("$READELF" -hW "$f" 2>&1) || die "$f: not a readable ELF file"
    grep -q 'Class:.*ELF64' <<<"$header" || die "$f: not a 64-bit ELF file"
    grep -q 'Machine:.*RISC-V' <<<"$header" || die "$f: not a RISC-V ELF file"
    entry=$(sed -n 's/.*Entry point address: *//p' <<<"$header")
    segments=$("$READELF" -lW "$f" | grep '^ *LOAD') || die "$f: no loadable segment"
    local type off vaddr paddr filesz memsz rest low="" high=0 entry_phys=""
    while read -r type off vaddr paddr filesz memsz rest; do
        [ -z "$low" ] || [ $((paddr)) -lt "$low" ] && low=$((paddr))
        [ $((paddr + memsz)) -gt "$high" ] && high=$((paddr + memsz))
        # The guest starts with paging off: turn a virtual entry into physical.
        if ((entry >= vaddr && entry < vaddr + memsz)); then
            entry_phys=$((entry - vaddr + paddr))
        fi
    done <<<"$segments"
    [ -n "$entry_phys" ] || die "$f: entry point $entry is in no loadable segment"
    image_bin=$run_dir/guest.bin
    : >"$image_bin"
    while read -r type off vaddr paddr filesz memsz rest; do
        dd if="$f" of="$image_bin" bs=64K iflag=skip_bytes,count_bytes \
            oflag=seek_bytes conv=notrunc status=none \
            skip=$((off)) seek=$((paddr - low)) count=$((filesz))
    done <<<"$segments"
    load_gpa=$low image_end=$high entry=$entry_phys
}

place_linux_image() { # the RISC-V Linux boot image header (boot.rst)
    local f=$1 text_offset image_size
    text_offset=$(read_u64 "$f" 8)
    image_size=$(read_u64 "$f" 16)
    [ "$image_size" -gt 0 ] || image_size=$(file_size "$f")
    image_bin=$f
    load_gpa=$((GUEST_RAM_BASE + text_offset))
    image_end=$((load_gpa + image_size))
    entry=$load_gpa
}

place_raw() {
    image_bin=$1
    load_gpa=$((${load_addr:-GUEST_RAM_BASE}))
    image_end=$((load_gpa + $(file_size "$1")))
    entry=$load_gpa
}

place_image() {
    local f=$1
    [ -f "$f" ] || die "$f: no such file"
    [ -s "$f" ] || die "$f: empty file"
    if [[ $f == *.c ]]; then # a guest in C, built like the demo
        build_guest "$build/$(basename "$f" .c).elf" "$f"
        place_elf "$build/$(basename "$f" .c).elf"
    elif [ "$(read_hex "$f" 0 4)" = 7f454c46 ]; then
        place_elf "$f"
    elif [ "$(read_hex "$f" 48 8)" = 5249534356000000 ]; then # "RISCV\0\0\0"
        place_linux_image "$f"
    else
        place_raw "$f"
    fi
}

# ---- The VM's device tree: only what the guest really gets ----
write_dts() {
    local isa="rv64imafdc_zicsr_zifencei_zicntr"
    local extensions='"i", "m", "a", "f", "d", "c", "zicsr", "zifencei", "zicntr"'
    if [ "$sstc" = 1 ]; then
        isa="${isa}_sstc"
        extensions="$extensions, \"sstc\""
    fi
    local initrd_props=""
    if [ -n "$initrd" ]; then
        initrd_props="linux,initrd-start = <0x0 $(hex "$initrd_gpa")>;
        linux,initrd-end = <0x0 $(hex "$initrd_end")>;"
    fi
    cat <<EOF
/dts-v1/;

/ {
    #address-cells = <2>;
    #size-cells = <2>;
    compatible = "hv1k,virt";
    model = "hv1k virtual machine";

    chosen {
        stdout-path = "/soc/serial@10000000";
        bootargs = "$append";
        $initrd_props
    };

    memory@80000000 {
        device_type = "memory";
        reg = <0x0 $(hex "$GUEST_RAM_BASE") 0x0 $(hex "$mem")>;
    };

    cpus {
        #address-cells = <1>;
        #size-cells = <0>;
        timebase-frequency = <10000000>;

        cpu0: cpu@0 {
            device_type = "cpu";
            reg = <0>;
            status = "okay";
            compatible = "riscv";
            riscv,isa = "$isa";
            riscv,isa-base = "rv64i";
            riscv,isa-extensions = $extensions;
            mmu-type = "riscv,sv39";

            cpu0_intc: interrupt-controller {
                #interrupt-cells = <1>;
                compatible = "riscv,cpu-intc";
                interrupt-controller;
            };
        };
    };

    soc {
        #address-cells = <2>;
        #size-cells = <2>;
        compatible = "simple-bus";
        ranges;

        plic: interrupt-controller@c000000 {
            compatible = "sifive,plic-1.0.0", "riscv,plic0";
            reg = <0x0 0xc000000 0x0 0x400000>;
            /* context 0: hart 0's M-mode (none in a VM); 1: its S-mode */
            interrupts-extended = <&cpu0_intc 0xffffffff &cpu0_intc 9>;
            interrupt-controller;
            #interrupt-cells = <1>;
            #address-cells = <0>;
            riscv,ndev = <31>;
        };

        serial@10000000 {
            compatible = "ns16550a";
            reg = <0x0 0x10000000 0x0 0x100>;
            clock-frequency = <3686400>;
            interrupt-parent = <&plic>;
            interrupts = <10>;
        };
    };
};
EOF
}

# ---- Options ----
mem="" load_addr="" append="" initrd="" sstc=1 cpu="rv64,h=true"
log=0 debug=0 build_only=0 list_tools=0 linux=0 file="" append_set=0
while [ $# -gt 0 ]; do
    case $1 in
    --mem) [ $# -ge 2 ] || die "--mem needs a size"; mem=$(parse_size "$2"); shift ;;
    --load-addr) [ $# -ge 2 ] || die "--load-addr needs an address"; load_addr=$2; shift ;;
    --append) [ $# -ge 2 ] || die "--append needs an argument"; append=$2; append_set=1; shift ;;
    --initrd) [ $# -ge 2 ] || die "--initrd needs a file"; initrd=$2; shift ;;
    --no-sstc) sstc=0 ;;
    --linux) linux=1 ;;
    --cpu) [ $# -ge 2 ] || die "--cpu needs a model"; cpu=$2; shift ;;
    --log) log=1 ;;
    --debug) debug=1 ;;
    --build-only) build_only=1 ;;
    --list-tools) list_tools=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see ./run.sh --help)" ;;
    *) [ -z "$file" ] || die "more than one guest file: '$file' and '$1'"; file=$1 ;;
    esac
    shift
done
if [ "$linux" = 1 ]; then
    [ -z "$file" ] || die "--linux boots Debian's kernel: give no FILE as well"
    mem=${mem:-$((256 << 20))}
    [ "$append_set" = 1 ] || append="console=ttyS0 earlycon"
fi
mem=${mem:-$((64 << 20))}
[ $((mem % (1 << 20))) = 0 ] || die "--mem must be a whole number of MiB"
[ "$mem" -ge $((4 << 20)) ] && [ "$mem" -le $((8 << 30)) ] ||
    die "--mem must be between 4M and 8G"
if [ -n "$load_addr" ]; then
    [[ $load_addr =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] || die "bad --load-addr '$load_addr'"
fi
if [ "$list_tools" = 1 ]; then
    tool_list
    exit 0
fi
check_tools
if [ "$linux" = 1 ]; then
    "$top/guest/linux/fetch.sh" >/dev/null || die "could not prepare the Linux guest (see above)"
    file=$build/linux/Image
    initrd=${initrd:-$build/linux/initramfs.cpio.gz}
fi
[ -z "$initrd" ] || [ -f "$initrd" ] || die "$initrd: no such file"
mkdir -p "$build"
run_dir=$(mktemp -d "$build/run.XXXXXX") # this run's own files
trap 'rm -rf "$run_dir"' EXIT
build_hypervisor
if [ -z "$file" ]; then
    build_guest "$build/demo.elf" "$top/guest/demo.c"
    file=$build/demo.elf
fi
[ "$build_only" = 0 ] || exit 0
place_image "$file"

# Guest RAM: the device tree in its last 64 KiB, the initrd just below it
# (out of the way of the kernel and of the large free area Linux wants for
# its CMA pool), and the image from its load address up.
ram_end=$((GUEST_RAM_BASE + mem))
dtb_gpa=$((ram_end - (64 << 10)))
limit=$dtb_gpa
if [ -n "$initrd" ]; then
    initrd_gpa=$(((dtb_gpa - $(file_size "$initrd")) / 4096 * 4096))
    initrd_end=$((initrd_gpa + $(file_size "$initrd")))
    limit=$initrd_gpa
fi
if ((load_gpa < GUEST_RAM_BASE || image_end > limit)); then
    die "$file does not fit in guest RAM: it needs $(hex "$load_gpa")-$(hex "$image_end"), there is room for $(hex "$GUEST_RAM_BASE")-$(hex "$limit") (try a larger --mem)"
fi
write_dts >"$run_dir/vm.dts"
"$DTC" -q -I dts -O dtb -o "$run_dir/vm.dtb" "$run_dir/vm.dts"
cp "$run_dir/vm.dts" "$build/vm.dts" # the last VM's device tree, to read

# Host RAM: OpenSBI, hv1k and its page tables below GUEST_RAM_HPA, then guest
# RAM, then 2 MiB where QEMU puts the host's own device tree.
host_mem_mib=$(((GUEST_RAM_HPA - 0x80000000 + mem) / (1 << 20) + 2))
hpa() { hex $((GUEST_RAM_HPA + $1 - GUEST_RAM_BASE)); }
boot_info() { # boot_info INDEX VALUE: one u64 of struct boot_info
    echo "-device loader,addr=$(hex $((BOOT_INFO_HPA + 8 * $1))),data=$(hex "$2"),data-len=8"
}
qemu_args=(-machine virt -cpu "$cpu" -smp 1 -m "${host_mem_mib}M" -nographic
    -bios "$BIOS" -kernel "$build/hypervisor.elf"
    -device "loader,file=$image_bin,addr=$(hpa "$load_gpa"),force-raw=on"
    -device "loader,file=$run_dir/vm.dtb,addr=$(hpa "$dtb_gpa"),force-raw=on")
[ -z "$initrd" ] || qemu_args+=(-device "loader,file=$initrd,addr=$(hpa "$initrd_gpa"),force-raw=on")
# shellcheck disable=SC2207
qemu_args+=($(boot_info 0 "$BOOT_INFO_MAGIC") $(boot_info 1 "$mem")
    $(boot_info 2 "$entry") $(boot_info 3 "$dtb_gpa")
    $(boot_info 4 $((sstc ? BOOT_SSTC : 0))))
[ "$log" = 0 ] || qemu_args+=(-d unimp,guest_errors,int,cpu_reset -D "$build/qemu.log")
if [ "$debug" = 1 ]; then
    qemu_args+=(-s -S)
    echo "run.sh: QEMU waits for gdb; in another terminal run:" >&2
    echo "  gdb-multiarch $build/hypervisor.elf -ex 'target remote :1234'" >&2
fi
[ -t 0 ] && echo "run.sh: in QEMU, press Ctrl-A then x to quit" >&2

# A guest that reboots ends QEMU with EXIT_REBOOT; start it again.
while :; do
    status=0
    "$QEMU" "${qemu_args[@]}" || status=$?
    [ "$status" = "$EXIT_REBOOT" ] || exit "$status"
    echo "run.sh: the guest rebooted; starting it again" >&2
done
