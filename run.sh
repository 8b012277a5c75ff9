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
DTC=${DTC:-dtc}
QEMU=${QEMU:-qemu-system-riscv64}
BIOS=${BIOS:-default}
CFLAGS="--target=riscv64-unknown-elf -mabi=lp64 -mcmodel=medany -mno-relax
    -ffreestanding -nostdlib -fno-stack-protector -fuse-ld=lld
    -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter"

# The numbers #defined in common.h, so that they live in one place: one sed
# turns their #define lines into EXIT_USAGE=..., GUEST_RAM_BASE=..., ...
eval "$(sed -n 's/^#define \(EXIT_USAGE\|GUEST_RAM_BASE\|BOOT_INFO_HPA\|TEMPLATES_HPA\|QEMU_FDT_HPA\|RAM_POOL_HPA\|MAX_VMS\|BOOT_INFO_MAGIC\) *\(0x[0-9a-fA-F]*\|[0-9]*\).*/\1=\2/p' "$top/common.h")"
BOOT_SSTC=1 BOOT_SERVE=1 BOOT_INPUT_FILE=2

usage() {
    cat <<EOF
usage: ./run.sh [options] [FILE...]
       ./run.sh --serve [options] FILE

Builds hv1k and runs FILE as its guest (the demo guest without FILE).
With several FILEs, each is a VM of its own on a hart of its own, all at
once (at most $MAX_VMS): VM N's lines carry "[N] ", typed input goes to
VM 1, and Ctrl-] moves it to the next VM still running. The run ends when
the last VM ends.
FILE is a raw RV64 binary (placed at 0x80000000 or --load-addr), a Linux
Image (placed per its header), an ELF file (placed per its PT_LOAD
physical addresses, started at its entry point), or a guest written in C
like guest/demo.c (FILE.c: built with guest/start.S and guest/guest.ld).

options (before or after FILE, for every VM):
  --linux            boot Debian's riscv64 kernel and a busybox initramfs
                     (fetched into build/linux/ by guest/linux/fetch.sh the
                     first time; default --mem 256M, --append
                     "console=ttyS0 earlycon"); type poweroff to end it
                     (counts as one FILE)
  --serve            a fresh VM of FILE for every line of input: it starts
                     with a0 = the line's guest physical address, a1 = its
                     length, and answers with hv1k's respond hypercall (see
                     guest/upcase.c); an empty line or Ctrl-D ends the input
  --harts N          with --serve: N harts take requests at once, each in a
                     VM of its own; answers come in input order (default 1)
  --timeout SECONDS  end the VM after SECONDS (exit status 8; with --serve,
                     that request fails and the next one runs)
  --mem SIZE         guest RAM, e.g. 64M (default; 256M with --linux, 256K
                     with --serve), 1G (suffix K, M, G; 256K to 8G)
  --load-addr ADDR   guest physical load address of a raw binary
  --append "ARGS"    kernel command line (/chosen/bootargs)
  --initrd FILE      initial ramdisk, placed after the image
  --no-sstc          do not give the guest Sstc: its timer goes through SBI
  --cpu MODEL        QEMU CPU model (default rv64,h=true)
  --trace N          print each VM's first N exits, one line each: the cause,
                     what hv1k did, and how far the guest's pc moved
  --log              write QEMU's trap log to build/qemu.log
  --debug            wait for gdb-multiarch on tcp::1234 (prints the command)
  --build-only       install missing tools, build hv1k and the demo, and stop
  --list-tools       print the tools run.sh and the tests need (COMMAND
                     PACKAGE per line), all checked on every run
  --help             this text

environment:
  CC, QEMU, BIOS     another compiler (e.g. CC=clang-19), QEMU or firmware
  HV1K_NO_INSTALL=1  print the apt-get command for missing tools and stop
  HV1K_QEMU_ARGS     more QEMU arguments, split at spaces (e.g. "-monitor
                     tcp:127.0.0.1:4444,server,nowait")
  HV1K_BENCH=1       also install what tests/bench.sh needs (gnuplot, valgrind)
  HV1K_UBSAN=1       build hv1k with -fsanitize=undefined -fsanitize-trap=undefined
                     (build/hypervisor-ubsan.elf): undefined behaviour panics

exit status: 0 guest shut down (with --serve: the input ended), 2 bad
usage or image that does not fit, 3 guest reported a failure, 4 VM ended
by hv1k (guest fault), 5 no H extension, 6 hypervisor panic, 8 time limit
(--timeout); anything else comes from QEMU itself. With several VMs: 0 if
every VM shut down cleanly, otherwise the status of the lowest-numbered VM
that did not.
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
    clang-[0-9]*) # e.g. CC=clang-19: packages clang-19, and lld-19 for its linker
        echo "$CC $CC"
        echo "ld.lld-${CC#clang-} lld-${CC#clang-}" ;;
    *) echo "$CC clang" ;;
    esac
    echo "ld.lld lld"
    echo "llvm-size llvm"    # tests/bench.sh: hv1k's size
    echo "llvm-readelf llvm" # tests/bench.sh: a VM's struct size
    echo "llvm-objcopy llvm" # tests/: raw binaries built outside hv1k
    echo "$DTC device-tree-compiler"
    echo "$QEMU qemu-system-misc"
    echo "cpio cpio" # guest/linux/fetch.sh: the initramfs
    echo "awk mawk"  # mawk is required on Debian, but not Essential
    echo "apt-get apt"
    [ "$debug" = 0 ] || echo "gdb-multiarch gdb-multiarch"
    [ -z "${HV1K_BENCH:-}" ] || echo "gnuplot gnuplot-nox" # tests/bench.sh: its chart
    [ -z "${HV1K_BENCH:-}" ] || echo "valgrind valgrind"   # tests/bench.sh --instructions
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
# HV1K_UBSAN=1 builds hv1k with -fsanitize=undefined -fsanitize-trap=undefined:
# no runtime needed; undefined behaviour traps in hv1k, which is a PANIC.
hypervisor_elf=$build/hypervisor${HV1K_UBSAN:+-ubsan}.elf
# Is OUTPUT newer than each SOURCE (and than run.sh, which holds the flags),
# and built by the same $CC (built_by notes it in OUTPUT.cc)? Then it is not
# built again: a run with nothing to build starts QEMU at once.
up_to_date() { # up_to_date OUTPUT SOURCE...
    local output=$1 source compiler=""
    shift
    [ -f "$output" ] && [ -f "$output.cc" ] && read -r compiler <"$output.cc"
    [ "$compiler" = "$CC" ] || return 1
    for source in "$@" "$top/run.sh"; do
        [ "$output" -nt "$source" ] || return 1
    done
}

built_by() { echo "$CC" >"$run_dir/cc" && mv -f "$run_dir/cc" "$1.cc"; }

build_hypervisor() {
    up_to_date "$hypervisor_elf" "$top/hypervisor.c" "$top/common.h" "$top/linker.ld" && return
    local sanitize=""
    [ -z "${HV1K_UBSAN:-}" ] || sanitize="-fsanitize=undefined -fsanitize-trap=undefined"
    # A section per function and per variable, so that linker.ld can put the
    # exit path on as few pages as it can; no jump tables, which would put
    # the switch statements' tables on a page of their own.
    local layout="-ffunction-sections -fdata-sections -fno-jump-tables"
    # shellcheck disable=SC2086
    $CC $CFLAGS $layout $sanitize -march=rv64imac -Wl,-T"$top/linker.ld" \
        -Wl,-Map="${hypervisor_elf%.elf}.map" -o "$run_dir/hypervisor.elf" \
        "$top/hypervisor.c"
    mv -f "$run_dir/hypervisor.elf" "$hypervisor_elf"
    built_by "$hypervisor_elf"
}

build_guest() { # build_guest OUTPUT.elf SOURCE.c (and the headers beside it)
    up_to_date "$1" "$2" "${2%/*}"/*.h "$top/common.h" "$top/guest/guest.h" \
        "$top/guest/start.S" "$top/guest/guest.ld" && return
    # shellcheck disable=SC2086
    $CC $CFLAGS -march=rv64gc -Wl,-T"$top/guest/guest.ld" \
        -o "$run_dir/guest.elf" "$top/guest/start.S" "$2"
    mv -f "$run_dir/guest.elf" "$1"
    built_by "$1"
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
# The ELF64 header and program headers are read with od, at their offsets in
# the ELF specification: two od calls cost less than a readelf, and run.sh
# starts QEMU sooner.
le_hex() { # le_hex VAR HEX: VAR = 0x and the little-endian number HEX, in order
    local h=$2 out=""
    while [ -n "$h" ]; do out=${h:0:2}$out h=${h:2}; done
    printf -v "$1" 0x%s "$out"
}

place_elf() {
    local f=$1 h segments="" phoff phnum word0 off vaddr paddr filesz memsz rest
    h=$(read_hex "$f" 0 64)
    [ "${h:8:4}" = 0201 ] || die "$f: not a 64-bit little-endian ELF file"
    [ "${h:36:4}" = f300 ] || die "$f: not a RISC-V ELF file" # e_machine 243
    [ "${h:108:4}" = 3800 ] || die "$f: unexpected program header size"
    le_hex entry "${h:48:16}"
    le_hex phoff "${h:64:16}"
    le_hex phnum "${h:112:4}"
    # One program header per line, in hex: p_type and p_flags share the first word.
    while read -r word0 off vaddr paddr filesz memsz rest; do
        [ $((0x$word0 & 0xffffffff)) = 1 ] || continue # PT_LOAD
        segments+="LOAD 0x$off 0x$vaddr 0x$paddr 0x$filesz 0x$memsz"$'\n'
    done < <(od -An -v -tx8 -w56 -j $((phoff)) -N $((phnum * 56)) "$f")
    [ -n "$segments" ] || die "$f: no loadable segment"
    local type low="" high=0 entry_phys=""
    while read -r type off vaddr paddr filesz memsz rest; do
        [ -z "$low" ] || [ $((paddr)) -lt "$low" ] && low=$((paddr))
        [ $((paddr + memsz)) -gt "$high" ] && high=$((paddr + memsz))
        # The guest starts with paging off: turn a virtual entry into physical.
        if ((entry >= vaddr && entry < vaddr + memsz)); then
            entry_phys=$((entry - vaddr + paddr))
        fi
    done <<<"${segments%$'\n'}"
    [ -n "$entry_phys" ] || die "$f: entry point $entry is in no loadable segment"
    : >"$image_bin"
    while read -r type off vaddr paddr filesz memsz rest; do
        dd if="$f" of="$image_bin" bs=64K iflag=skip_bytes,count_bytes \
            oflag=seek_bytes conv=notrunc status=none \
            skip=$((off)) seek=$((paddr - low)) count=$((filesz))
    done <<<"${segments%$'\n'}"
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
        reg = <0x0 $(hex "$GUEST_RAM_BASE") 0x0 $(hex "$mem_of_vm")>;
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
mem="" load_addr="" append="" initrd="" sstc=1 cpu="rv64,h=true" timeout=0 trace=0 harts=""
log=0 debug=0 build_only=0 list_tools=0 serve=0 append_set=0 files=()
while [ $# -gt 0 ]; do
    case $1 in
    --mem) [ $# -ge 2 ] || die "--mem needs a size"; mem=$(parse_size "$2"); shift ;;
    --load-addr) [ $# -ge 2 ] || die "--load-addr needs an address"; load_addr=$2; shift ;;
    --append) [ $# -ge 2 ] || die "--append needs an argument"; append=$2; append_set=1; shift ;;
    --initrd) [ $# -ge 2 ] || die "--initrd needs a file"; initrd=$2; shift ;;
    --no-sstc) sstc=0 ;;
    --linux) files+=(--linux) ;;
    --serve) serve=1 ;;
    --harts) [ $# -ge 2 ] || die "--harts needs a number of harts"; harts=$2; shift ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a number of seconds"; timeout=$2; shift ;;
    --cpu) [ $# -ge 2 ] || die "--cpu needs a model"; cpu=$2; shift ;;
    --trace) [ $# -ge 2 ] || die "--trace needs a number of VM exits"; trace=$2; shift ;;
    --log) log=1 ;;
    --debug) debug=1 ;;
    --build-only) build_only=1 ;;
    --list-tools) list_tools=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see ./run.sh --help)" ;;
    *) files+=("$1") ;;
    esac
    shift
done
[[ $timeout =~ ^[0-9]+$ ]] || die "bad --timeout '$timeout' (a whole number of seconds)"
[[ $trace =~ ^[0-9]{1,18}$ ]] || die "bad --trace '$trace' (a whole number of VM exits)"
timeout=$((10#$timeout)) trace=$((10#$trace)) # "010" is ten, not octal eight
[ "$serve" = 0 ] || [ ${#files[@]} -ge 1 ] || die "--serve needs a FILE"
[ "$serve" = 0 ] || [ ${#files[@]} = 1 ] || die "--serve takes one FILE, not ${#files[@]}"
[ -z "$harts" ] || [ "$serve" = 1 ] || die "--harts is for --serve (otherwise each FILE has a hart)"
harts=${harts:-1}
[[ $harts =~ ^[0-9]{1,3}$ ]] && ((10#$harts >= 1)) || die "bad --harts '$harts' (a whole number from 1)"
harts=$((10#$harts))
[ "$harts" = 1 ] || [ ! -t 0 ] || die "--harts $harts takes its requests from a pipe or a file (typed ones come one at a time)"
[ ${#files[@]} -le "$MAX_VMS" ] && [ "$harts" -le "$MAX_VMS" ] ||
    die "at most $MAX_VMS VMs, one hart each: hv1k's limit (MAX_VMS in common.h), below the 512 harts of QEMU's virt machine"
if [ -n "$load_addr" ]; then
    [[ $load_addr =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] || die "bad --load-addr '$load_addr'"
fi
if [ "$list_tools" = 1 ]; then
    tool_list
    exit 0
fi
check_tools
[[ " ${files[*]} " != *" --linux "* ]] || "$top/guest/linux/fetch.sh" >/dev/null ||
    die "could not prepare the Linux guest (see above)"
[ -z "$initrd" ] || [ -f "$initrd" ] || die "$initrd: no such file"
mkdir -p "$build"
run_dir=$(mktemp -d "$build/run.XXXXXX") # this run's own files
trap 'rm -rf "$run_dir"' EXIT
build_hypervisor
if [ ${#files[@]} = 0 ]; then
    build_guest "$build/demo.elf" "$top/guest/demo.c"
    files=("$build/demo.elf")
fi
[ "$serve" = 1 ] || harts=${#files[@]} # one hart per VM
[ "$build_only" = 0 ] || exit 0

# ---- The templates: each guest's pieces, loaded once into hv1k's memory ----
# Host memory from TEMPLATES_HPA up holds, page by page, each VM's image,
# device tree and initrd (and --serve's input); struct boot_info says which
# goes where in a fresh VM's RAM. VMs' RAM itself comes from the pool at
# RAM_POOL_HPA (3 GiB), sized here for all of them.
next_hpa=$TEMPLATES_HPA pool=0 qemu_loaders=() words=()
load_piece() { # load_piece FILE: sets piece_hpa, where QEMU will put it
    piece_hpa=$next_hpa
    qemu_loaders+=(-device "loader,file=$1,addr=$(hex "$piece_hpa"),force-raw=on")
    next_hpa=$(align_up $((next_hpa + $(file_size "$1"))) 4096)
    ((next_hpa <= QEMU_FDT_HPA)) || die "the guests' images and initrds do not fit in $(((QEMU_FDT_HPA - TEMPLATES_HPA) >> 20)) MiB"
}

# Guest RAM: the device tree in its last 64 KiB, the initrd just below it
# (out of the way of the kernel and of the large free area Linux wants for
# its CMA pool), with --serve the request's 4 KiB below that, and the image
# from its load address up. Adds one template's words to struct boot_info.
add_template() { # add_template VM-NUMBER FILE
    local n=$1 file=$2 vm_mem=$mem vm_initrd=$initrd
    if [ "$file" = --linux ]; then
        file=$build/linux/Image
        vm_initrd=${initrd:-$build/linux/initramfs.cpio.gz}
        vm_mem=${vm_mem:-$((256 << 20))}
        [ "$append_set" = 1 ] || append="console=ttyS0 earlycon"
    fi
    [ "$serve" = 0 ] || vm_mem=${vm_mem:-$((256 << 10))}
    vm_mem=${vm_mem:-$((64 << 20))}
    [ $((vm_mem % (64 << 10))) = 0 ] || die "$file: guest RAM must be a multiple of 64K"
    [ "$vm_mem" -ge $((256 << 10)) ] && [ "$vm_mem" -le $((8 << 30)) ] ||
        die "$file: guest RAM must be between 256K and 8G"
    image_bin=$run_dir/guest$n.bin
    place_image "$file"
    local ram_end=$((GUEST_RAM_BASE + vm_mem))
    dtb_gpa=$((ram_end - (64 << 10)))
    local limit=$dtb_gpa initrd_words=(0 "$GUEST_RAM_BASE" 0) # none
    if [ -n "$vm_initrd" ]; then
        initrd_gpa=$(((dtb_gpa - $(file_size "$vm_initrd")) / 4096 * 4096))
        initrd_end=$((initrd_gpa + $(file_size "$vm_initrd")))
        limit=$initrd_gpa
        load_piece "$vm_initrd"
        initrd_words=("$piece_hpa" "$initrd_gpa" "$(file_size "$vm_initrd")")
    fi
    if [ "$serve" = 1 ]; then
        request_gpa=$((limit - 4096))
        limit=$request_gpa
    fi
    if ((load_gpa < GUEST_RAM_BASE || image_end > limit)); then
        die "$file does not fit in guest RAM: it needs $(hex "$load_gpa")-$(hex "$image_end"), there is room for $(hex "$GUEST_RAM_BASE")-$(hex "$limit") (try a larger --mem)"
    fi
    mem_of_vm=$vm_mem initrd=$vm_initrd write_dts >"$run_dir/vm$n.dts"
    "$DTC" -q -I dts -O dtb -o "$run_dir/vm$n.dtb" "$run_dir/vm$n.dts"
    cp "$run_dir/vm$n.dts" "$build/vm.dts" # the last VM's device tree, to read
    load_piece "$image_bin"
    words+=("$vm_mem" "$entry" "$dtb_gpa" $((sstc ? BOOT_SSTC : 0))
        "$piece_hpa" "$load_gpa" "$(file_size "$image_bin")")
    load_piece "$run_dir/vm$n.dtb"
    words+=("$piece_hpa" "$dtb_gpa" "$(file_size "$run_dir/vm$n.dtb")" "${initrd_words[@]}")
    # One part of the pool per VM; with --serve, one per hart.
    pool=$((pool + $(align_up "$vm_mem" $((2 << 20))) * (serve ? harts : 1)))
}

for i in "${!files[@]}"; do
    add_template $((i + 1)) "${files[$i]}"
done
for ((i = ${#files[@]}; i < MAX_VMS; i++)); do
    words+=(0 0 0 0 0 0 0 0 0 0 0 0 0)
done

# --serve reads its requests from a pipe or a file through QEMU's memory:
# hv1k gets every byte (a UART would drop those that come before OpenSBI
# is ready) and knows where the input ends. From a terminal, they are typed.
flags=0 input_hpa=0 input_size=0 qemu_stdin=/dev/stdin
if [ "$serve" = 1 ] && [ ! -t 0 ]; then
    LC_ALL=C sed 's/\r$//' >"$run_dir/input" # \r\n ends a line as \n does
    flags=$((BOOT_SERVE | BOOT_INPUT_FILE)) input_size=$(file_size "$run_dir/input")
    if [ "$input_size" != 0 ]; then
        load_piece "$run_dir/input"
        input_hpa=$piece_hpa
    fi
    qemu_stdin=/dev/null
elif [ "$serve" = 1 ]; then
    flags=$BOOT_SERVE
    echo "run.sh: type one request per line; an empty line or Ctrl-D ends" >&2
fi

# struct boot_info (common.h), little-endian, as a file for QEMU to load.
u64() { # u64 VALUE: its 8 bytes
    local h
    printf -v h %016x "$1"
    printf "\\x${h:14:2}\\x${h:12:2}\\x${h:10:2}\\x${h:8:2}\\x${h:6:2}\\x${h:4:2}\\x${h:2:2}\\x${h:0:2}"
}
for word in "$BOOT_INFO_MAGIC" ${#files[@]} "$flags" "$timeout" "$pool" \
    "$input_hpa" "$input_size" "${request_gpa:-0}" "$trace" "$harts" "${words[@]}"; do
    u64 "$word"
done >"$run_dir/boot-info.bin"

# Host RAM: OpenSBI, hv1k, the boot info and the templates below 3 GiB
# (QEMU 7.2's own device tree for OpenSBI at its top), then the pool for
# the VMs' RAM, then 2 MiB that no VM gets: QEMU 8 and later put their
# device tree in the last 2 MiB of host RAM instead.
host_mem_mib=$(((RAM_POOL_HPA - 0x80000000 + pool + (2 << 20)) >> 20))
qemu_args=(-machine virt -cpu "$cpu" -smp "$harts" -m "${host_mem_mib}M" -nographic
    -bios "$BIOS" -kernel "$hypervisor_elf" "${qemu_loaders[@]}"
    -device "loader,file=$run_dir/boot-info.bin,addr=$(hex "$BOOT_INFO_HPA"),force-raw=on")
[ "$log" = 0 ] || qemu_args+=(-d unimp,guest_errors,int,cpu_reset -D "$build/qemu.log")
read -ra more_args <<<"${HV1K_QEMU_ARGS:-}" # e.g. a monitor, for tests/spy-memory.sh
qemu_args+=("${more_args[@]}")
if [ "$debug" = 1 ]; then
    qemu_args+=(-s -S)
    echo "run.sh: QEMU waits for gdb; in another terminal run:" >&2
    echo "  gdb-multiarch $hypervisor_elf -ex 'target remote :1234'" >&2
fi
[ -t 0 ] && echo "run.sh: in QEMU, press Ctrl-A then x to quit" >&2
status=0
"$QEMU" "${qemu_args[@]}" <"$qemu_stdin" || status=$?
exit "$status"
