#!/usr/bin/env bash
# tests/bench.sh: hv1k's figures, measured side by side in one run.
#
# The same benchmark guest (tests/bench/bench.c) runs in up to three places:
# natively, as OpenSBI's S-mode payload; under hv1k; and under the floor
# program (tests/bench/floor.c), which maps the guest with the same G-stage
# leaves as hv1k and answers its hot exits in a few instructions. Runs of
# the three are interleaved, round by round, so that the machine's drift
# hits all of them alike; each figure is the median over the rounds, with
# its spread (min-max). Figures come from the guest's own `rdtime`.
#
#   tests/bench.sh [--quick] [--rounds N] [--instructions]
#
#   --quick         one round, smaller counts, no Linux rows: well under a minute
#   --rounds N      rounds of every measurement (default 5)
#   --instructions  only the exit rows, counted in QEMU's own instructions
#                   (valgrind) instead of timed: the same in every run
#
# Writes build/bench/figures.csv, build/bench/ratios.csv and
# build/bench/ratios.png (gnuplot), or with --instructions
# build/bench/instructions.txt and .csv. QEMU= and BIOS= as for run.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
QEMU=${QEMU:-qemu-system-riscv64}
BIOS=${BIOS:-default}
quick=0 rounds=5 instructions=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 rounds=1 ;;
    --instructions) instructions=1 ;;
    --rounds) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --rounds needs a number" >&2; exit 2; }
        rounds=$2; shift ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# Operations per benchmark run.
if [ "$quick" = 1 ]; then
    n_null=10000 n_mmio=10000 n_compute=$((1 << 20)) n_memory=$((16384 * 4)) n_timer=1000 n_serve=200 n_work=10
else
    n_null=1000000 n_mmio=100000 n_compute=$((16 << 20)) n_memory=$((16384 * 64)) n_timer=10000 n_serve=1000 n_work=60
fi

# run.sh installs what is missing (gnuplot too, with HV1K_BENCH=1) and builds hv1k.
HV1K_BENCH=1 "$top/run.sh" --build-only >/dev/null
[ "$quick" = 1 ] || [ "$instructions" = 1 ] || "$top/guest/linux/fetch.sh" >/dev/null
mkdir -p "$out"
work=$(mktemp -d "$out/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

CFLAGS="--target=riscv64-unknown-elf -mabi=lp64 -mcmodel=medany -mno-relax
    -ffreestanding -nostdlib -fno-stack-protector -fuse-ld=lld -std=gnu11 -O2
    -Wall -Wextra -Werror -Wno-unused-parameter"
CC=${CC:-clang}
# The benchmark guest for one benchmark and count: $work/BENCH.elf and .bin.
build_bench() { # build_bench BENCH COUNT
    # shellcheck disable=SC2086
    $CC $CFLAGS -march=rv64gc -DBENCH_${1^^} -DCOUNT="$2UL" \
        -Wl,-T"$top/tests/bench/bench.ld" -o "$work/$1.elf" "$top/tests/bench/bench.c"
    llvm-objcopy -O binary "$work/$1.elf" "$work/$1.bin"
}
for b in null mmio compute memory timer; do
    n_var=n_$b
    build_bench "$b" "${!n_var}"
done

# The floor program for a RAM size, with hv1k's G-stage leaf for it.
build_floor() { # build_floor RAM_BYTES LEAF_BYTES
    # shellcheck disable=SC2086
    $CC $CFLAGS -march=rv64imac -DRAM_SIZE="$1UL" -DLEAF_SIZE="$2UL" \
        -Wl,-T"$top/tests/bench/floor.ld" -o "$work/floor-$1.elf" "$top/tests/bench/floor.c"
}

# ---- One measurement in one place; each prints its figure or "nan" ----
# The figure of a "bench NAME: COUNT ops in TICKS ticks" line: µs per op,
# or with `total`, ms for all of them (10 MHz time base).
guest_figure() { # guest_figure LOG [total]
    awk -v total="${2:-}" '/^bench [a-z]+: [0-9]+ ops in [0-9]+ ticks/ {
        found = 1; if (total) printf "%.1f\n", $6 / 10000; else printf "%.3f\n", $6 / $3 / 10 }
        END { if (!found) print "nan" }' "$1"
}

# Every run writes its output to $work/log, and a failed run leaves "nan".
bare_qemu() { # bare_qemu QEMU-OPTIONS...: OpenSBI and a payload, no hv1k
    timeout 300 "$QEMU" -machine virt -smp 1 -nographic -bios "$BIOS" "$@" \
        </dev/null >"$work/log" 2>&1 || true
}
in_run_sh() { # in_run_sh RUN.SH-ARGUMENTS...
    QEMU=$QEMU BIOS=$BIOS timeout 300 "$top/run.sh" "$@" </dev/null >"$work/log" 2>&1 || true
}

native() { bare_qemu -cpu rv64 -m 512M -kernel "$work/$1.elf"; } # native BENCH
in_hv1k() { local b=$1; shift; in_run_sh "$work/$b.elf" "$@"; } # in_hv1k BENCH [options]
floor() { # floor BENCH RAM_BYTES
    bare_qemu -cpu rv64,h=true -m $((1024 + ($2 >> 20)))M -kernel "$work/floor-$2.elf" \
        -device "loader,file=$work/$1.bin,addr=0xc0200000,force-raw=on"
}

# hv1k's count of the exits that are not the guest's own SBI calls.
non_sbi_exits() {
    sed -n 's/.*vm exits: sbi [0-9]*, mmio \([0-9]*\), timer \([0-9]*\), irq \([0-9]*\), virtual-insn \([0-9]*\).*/\1 \2 \3 \4/p' \
        "$work/log" | awk '{ print $1 + $2 + $3 + $4; found = 1 } END { if (!found) print "nan" }'
}

# The G-stage leaf hv1k chose for the last run, in bytes (its start line).
hv1k_leaf() {
    sed -n 's/.*(\([0-9]*\) KiB G-stage leaves.*/\1/p' "$work/log" | awk '{ print $1 * 1024; found = 1 } END { if (!found) print 4096 }'
}

# Linux: the guest's uptime at the test initramfs's userspace marker, s.
linux_uptime() {
    grep -aoE 'linux userspace ok [^ ]+ [0-9.]+' "$work/log" | awk '{ print $5; found = 1 } END { if (!found) print "nan" }'
}
linux_native() { # linux_native APPEND
    bare_qemu -cpu rv64 -m 256M -kernel "$top/build/linux/Image" \
        -initrd "$top/build/linux/initramfs-test.cpio.gz" -append "$1"
}
linux_hv1k() { # linux_hv1k APPEND
    in_run_sh --linux --initrd "$top/build/linux/initramfs-test.cpio.gz" --append "$1"
}
# VM exits per byte the guest printed (everything between hv1k's start line
# and its line saying the guest shut down).
exits_per_byte() {
    awk '/^hv1k: vm exits:/ { for (i = 5; i <= NF; i += 2) exits += $i }
        /^hv1k: guest shut down/ { started = 0 }
        started { bytes += length($0) + 1 }
        /^hv1k: guest RAM/ { started = 1 }
        END { if (bytes) printf "%.2f\n", exits / bytes; else print "nan" }' "$work/log"
}

# --serve: the summary line's "NAME median/p99" pairs.
serve_figures() { # prints "create_med create_p99 run_med ... total_p99"
    sed -n 's/.*median\/p99: create \([0-9]*\)\/\([0-9]*\), run \([0-9]*\)\/\([0-9]*\), destroy \([0-9]*\)\/\([0-9]*\), total \([0-9]*\)\/\([0-9]*\).*/\1 \2 \3 \4 \5 \6 \7 \8/p' "$work/log"
}

# Requests per second of the compute-heavy tests/guests/serve_work.c with
# --serve --harts HARTS, from run.sh's start to its end; nan unless every
# request was answered.
serve_rate() { # serve_rate HARTS
    local start end
    start=$(date +%s%N)
    seq "$n_work" | QEMU=$QEMU BIOS=$BIOS timeout 300 "$top/run.sh" --serve --harts "$1" \
        "$top/tests/guests/serve_work.c" >"$work/log" 2>&1 || true
    end=$(date +%s%N)
    grep -q "served $n_work requests (0 failed)" "$work/log" || { echo nan; return; }
    awk -v n="$n_work" -v ns=$((end - start)) 'BEGIN { printf "%.1f\n", n / (ns / 1e9) }'
}

# What each VM beyond the first adds to a run, in ms: four VMs that end at
# once against one (starting a hart through HSM, building its VM, its
# device tree), from run.sh's start to its end, over three.
further_vm_ms() {
    local early=$top/tests/guests/early.c t1 t4
    QEMU=$QEMU BIOS=$BIOS "$top/run.sh" "$early" "$early" >/dev/null 2>&1 || true # builds it
    t1=$(date +%s%N)
    QEMU=$QEMU BIOS=$BIOS "$top/run.sh" "$early" >/dev/null 2>&1 || true
    t4=$(date +%s%N)
    QEMU=$QEMU BIOS=$BIOS "$top/run.sh" "$early" "$early" "$early" "$early" >/dev/null 2>&1 || true
    awk -v a=$((t4 - t1)) -v b=$(($(date +%s%N) - t4)) 'BEGIN { printf "%.1f\n", (b - a) / 3 / 1e6 }'
}

# tests/guests/steady.c's own time in ms, alone or beside the VMs given
# (a flooder: one VM's exits must not stall another VM's hart); nan if it
# printed none.
steady_ms() { # steady_ms [FILE...]
    QEMU=$QEMU BIOS=$BIOS timeout 120 "$top/run.sh" "$top/tests/guests/steady.c" "$@" \
        >"$work/log" 2>&1 || true
    local t
    t=$(sed -n 's/.*steady: took \([0-9]*\) ms.*/\1/p' "$work/log" | head -n 1)
    echo "${t:-nan}"
}

# run.sh's own time before it starts QEMU, with nothing to build: a stand-in
# QEMU notes the moment it is started, and stops.
startup_ms() {
    printf '#!/bin/sh\ndate +%%s%%N >"%s/qemu-started"\n' "$work" >"$work/fake-qemu"
    chmod +x "$work/fake-qemu"
    "$top/run.sh" --build-only >/dev/null 2>&1 # the build is not what is timed
    local start
    start=$(date +%s%N)
    QEMU=$work/fake-qemu "$top/run.sh" >/dev/null 2>&1 </dev/null || true
    awk -v s="$start" -v e="$(cat "$work/qemu-started")" 'BEGIN { printf "%.0f\n", (e - s) / 1e6 }'
}

# ---- --instructions: what one exit costs QEMU, in its own instructions ----
# Time on this machine moves by up to ±30% from run to run; the number of
# instructions QEMU itself executes (on the host) hardly moves, so it can
# tell a change of 2% from noise. valgrind's lackey tool counts them. Each
# place runs the benchmark twice, with N and 2N operations: the difference
# over N is one operation, with boot and shutdown cancelled out.
host_instructions() { # host_instructions BENCH-PLACE-OPS: the run's count, from lackey's logs
    cat "$work/lackey.$1".* 2>/dev/null | sed -n 's/.*guest instrs: *\([0-9,]*\).*/\1/p' | tr -d , |
        awk '{ s += $1 } END { print s ? s : "nan" }'
}
per_op() { # per_op BENCH-PLACE N: instructions per operation, from the runs with N and 2N
    awk -v a="$(host_instructions "$1-$2")" -v b="$(host_instructions "$1-$(($2 * 2))")" -v n="$2" \
        'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%d\n", (b - a) / n }'
}
if [ "$instructions" = 1 ]; then
    n=$([ "$quick" = 1 ] && echo 1000 || echo 10000)
    in_hv1k null --mem 256M
    build_floor $((256 << 20)) "$(hv1k_leaf)" # the floor with hv1k's leaf for 256 MiB
    echo "# $("$QEMU" --version | head -n 1); $(date -u +%Y-%m-%d); host instructions per operation (valgrind lackey), N = $n" >"$out/instructions.txt"
    printf '%-22s %10s %10s %11s\n' row hv1k floor hv1k/floor >>"$out/instructions.txt"
    echo "row,hv1k,floor" >"$out/instructions.csv"
    for b in null mmio; do
        for ops in $n $((2 * n)); do
            build_bench "$b" "$ops"
            for place in hv1k floor; do
                printf '#!/bin/sh\nexec valgrind --tool=lackey --basic-counts=yes --smc-check=all-non-file --trace-children=yes --log-file=%s "%s" "$@"\n' \
                    "$work/lackey.$b-$place-$ops.%p" "$QEMU" >"$work/counting-qemu"
                chmod +x "$work/counting-qemu"
                if [ $place = hv1k ]; then QEMU=$work/counting-qemu in_hv1k "$b" --mem 256M
                else QEMU=$work/counting-qemu floor "$b" $((256 << 20)); fi
                # A run that did not finish its operations counts as none.
                grep -q "^bench $b: $ops ops" "$work/log" || rm -f "$work/lackey.$b-$place-$ops".*
            done
        done
        h=$(per_op "$b-hv1k" "$n") f=$(per_op "$b-floor" "$n")
        r=$(awk -v h="$h" -v f="$f" 'BEGIN { if (h == "nan" || f == "nan") print "nan"; else printf "%.2f\n", h / f }')
        label=$([ $b = null ] && echo "null hypercall" || echo "MMIO exit (LSR)")
        printf '%-22s %10s %10s %11s\n' "$label" "$h" "$f" "$r" >>"$out/instructions.txt"
        echo "$b,$h,$f" >>"$out/instructions.csv"
    done
    cat "$out/instructions.txt"
    echo "wrote $out/instructions.txt, instructions.csv"
    exit 0
fi

# ---- The rounds ----
declare -A samples # samples[ROW,PLACE] = "x y z"
declare -a leaf_name # by RAM size: the G-stage leaf hv1k chose (4K, 2M, 1G)
add() { samples[$1,$2]="${samples[$1,$2]:-} $3"; }

for ram in $((256 << 20)) $((1 << 30)); do # hv1k's leaf for each memory row
    in_hv1k memory --mem $((ram >> 20))M
    leaf=$(hv1k_leaf)
    build_floor "$ram" "$leaf"
    if [ "$leaf" -ge $((1 << 30)) ]; then leaf_name[$ram]=1G
    elif [ "$leaf" -ge $((1 << 21)) ]; then leaf_name[$ram]=2M
    else leaf_name[$ram]=4K; fi
done

for round in $(seq "$rounds"); do
    echo "round $round of $rounds" >&2
    for place in hv1k floor native; do
        case $place in
        hv1k) run() { in_hv1k "$1" --mem 256M; } ;;
        floor) run() { floor "$1" $((256 << 20)); } ;;
        native) run() { native "$1"; } ;;
        esac
        run null && add null "$place" "$(guest_figure "$work/log")"
        [ "$place" = native ] || { run mmio && add mmio "$place" "$(guest_figure "$work/log")"; }
        [ "$place" = floor ] || { run compute && add compute "$place" "$(guest_figure "$work/log" total)"; }
        [ "$place" = floor ] || {
            run timer && add timer "$place" "$(guest_figure "$work/log")"
            [ "$place" = native ] || add timer-exits "$place" "$(non_sbi_exits)"
        }
    done
    for ram in $((256 << 20)) $((1 << 30)); do
        row=memory-$((ram >> 20))M
        in_hv1k memory --mem $((ram >> 20))M && add "$row" hv1k "$(guest_figure "$work/log" total)"
        floor memory "$ram" && add "$row" floor "$(guest_figure "$work/log" total)"
        native memory && add "$row" native "$(guest_figure "$work/log" total)"
    done
    if [ "$quick" = 0 ]; then
        for kind in full quiet; do
            append="console=ttyS0 earlycon"
            [ "$kind" = full ] || append="$append quiet"
            linux_hv1k "$append" && add "linux-$kind" hv1k "$(linux_uptime)"
            add "linux-$kind-exits-per-byte" hv1k "$(exits_per_byte)"
            linux_native "$append" && add "linux-$kind" native "$(linux_uptime)"
        done
    fi
    seq "$n_serve" | sed 's/^/request /' | QEMU=$QEMU BIOS=$BIOS timeout 300 \
        "$top/run.sh" --serve "$top/guest/upcase.c" >"$work/log" 2>&1 || true
    read -r c c99 r r99 d d99 t t99 < <(serve_figures; echo nan nan nan nan nan nan nan nan)
    add serve-create hv1k "$c"; add serve-create-p99 hv1k "$c99"
    add serve-run hv1k "$r"; add serve-run-p99 hv1k "$r99"
    add serve-destroy hv1k "$d"; add serve-destroy-p99 hv1k "$d99"
    add serve-total hv1k "$t"; add serve-total-p99 hv1k "$t99"
    add run.sh-startup hv1k "$(startup_ms)"
    add serve-work-1 hv1k "$(serve_rate 1)"
    add serve-work-2 hv1k "$(serve_rate 2)"
    add further-vm hv1k "$(further_vm_ms)"
    add steady-alone hv1k "$(steady_ms)"
    for flood in uart ecall ipi; do
        add "steady-$flood" hv1k "$(steady_ms "$top/tests/guests/flood_$flood.c")"
    done
done

# ---- The table ----
# Median and spread of a row's samples in one place: "MEDIAN MIN MAX", or "".
stats() {
    [ -n "${samples[$1,$2]:-}" ] || return 0
    tr ' ' '\n' <<<"${samples[$1,$2]}" | grep -v '^$' | sort -g |
        awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            if (v[1] == "nan" || v[NR] == "nan") print "nan nan nan"; else print m, v[1], v[NR] }'
}
cell() { # "MEDIAN (MIN-MAX)" or "-"
    local s
    s=$(stats "$1" "$2")
    [ -n "$s" ] || { echo "-"; return; }
    read -r m lo hi <<<"$s"
    if [ "$rounds" = 1 ]; then echo "$m"; else echo "$m ($lo-$hi)"; fi
}
ratio() { # median of ROW in PLACE A over PLACE B, or "-"
    local a b
    a=$(stats "$1" "$2" | cut -d' ' -f1) b=$(stats "$1" "$3" | cut -d' ' -f1)
    [ -n "$a" ] && [ -n "$b" ] || { echo "-"; return; }
    awk -v a="$a" -v b="$b" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%.2f\n", a / b }'
}

# The median of ROW A over ROW B, both hv1k's, or "-".
ratio_rows() {
    local a b
    a=$(stats "$1" hv1k | cut -d' ' -f1) b=$(stats "$2" hv1k | cut -d' ' -f1)
    [ -n "$a" ] && [ -n "$b" ] || { echo "-"; return; }
    awk -v a="$a" -v b="$b" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%.2f\n", a / b }'
}

hv1k_elf=$top/build/hypervisor.elf
size_kib=$(llvm-size -A "$hv1k_elf" | awk '$1 ~ /^\.(text|rodata|data|sdata)/ { s += $2 } END { printf "%.1f\n", s / 1024 }')
in_hv1k null --mem 256M # the start line says what one VM's tables cost
tables_kib=$(sed -n 's/.*, \([0-9]*\) KiB of G-stage tables.*/\1/p' "$work/log")
hart_struct_kib=$(llvm-readelf -sW "$hv1k_elf" | awk -v n="$(sed -n 's/^#define MAX_VMS \([0-9]*\).*/\1/p' "$top/common.h")" \
    '$8 == "harts" { printf "%.1f\n", $3 / n / 1024 }')

{
    echo "# $("$QEMU" --version | head -n 1); $(date -u +%Y-%m-%d); rounds $rounds$([ "$quick" = 0 ] || echo ", quick")"
    printf '%-27s %-24s %-24s %-22s %10s %11s\n' row hv1k floor native hv1k/floor hv1k/native
    line() { # line ROW LABEL
        printf '%-27s %-24s %-24s %-22s %10s %11s\n' "$2" "$(cell "$1" hv1k)" "$(cell "$1" floor)" \
            "$(cell "$1" native)" "$(ratio "$1" hv1k floor)" "$(ratio "$1" hv1k native)"
    }
    line null "null hypercall, us"
    line mmio "MMIO exit (LSR), us"
    line compute "compute (CRC-32), ms"
    line memory-256M "memory 256M (${leaf_name[$((256 << 20))]} leaf), ms"
    line memory-1024M "memory 1G (${leaf_name[$((1 << 30))]} leaf), ms"
    line timer "timer interrupt, us"
    line timer-exits "VM exits in timer row"
    if [ "$quick" = 1 ]; then
        printf '%-27s %s\n' "linux boot" "skipped: --quick has no Linux rows"
    else
        line linux-full "linux boot, full log, s"
        line linux-full-exits-per-byte "  VM exits per byte"
        line linux-quiet "linux boot, quiet, s"
        line linux-quiet-exits-per-byte "  VM exits per byte"
    fi
    for phase in create run destroy total; do
        line "serve-$phase" "serve $phase median, us"
        line "serve-$phase-p99" "serve $phase p99, us"
    done
    line serve-work-1 "serve work, 1 hart, req/s"
    line serve-work-2 "serve work, 2 harts, req/s"
    printf '%-27s %s\n' "serve work, speed-up" "$(ratio_rows serve-work-2 serve-work-1)"
    line further-vm "each further VM, ms"
    line steady-alone "steady VM alone, ms"
    for flood in uart ecall ipi; do
        printf '%-27s %s\n' "steady beside flood_$flood" "$(cell "steady-$flood" hv1k) ms, $(ratio_rows "steady-$flood" steady-alone)x alone"
    done
    line run.sh-startup "run.sh startup, ms"
    printf '%-27s %s\n' "size: hv1k image, KiB" "$size_kib"
    printf '%-27s %s\n' "size: per VM beyond RAM" "$(awk -v t="${tables_kib:-nan}" -v v="${hart_struct_kib:-nan}" 'BEGIN { printf "%s KiB (G-stage tables %s KiB, struct hart %s KiB: its stack and VM)", t + v, t, v }')"
} | tee "$out/table.txt"

# ---- CSV and chart ----
{
    echo "row,place,median,min,max"
    for key in "${!samples[@]}"; do
        read -r m lo hi <<<"$(stats "${key%,*}" "${key#*,}")"
        echo "${key%,*},${key#*,},$m,$lo,$hi"
    done | sort
} >"$out/figures.csv"
{
    echo "row,hv1k/floor,hv1k/native"
    for row in null mmio compute memory-256M memory-1024M timer linux-full linux-quiet; do
        label=${row/memory-1024M/memory-1G}
        echo "${label/linux-/linux }","$(ratio $row hv1k floor | sed 's/^-$/nan/'),$(ratio $row hv1k native | sed 's/^-$/nan/')"
    done
} >"$out/ratios.csv"
gnuplot <<EOF
set terminal pngcairo size 900,420 font ",10"
set output "$out/ratios.png"
set datafile separator ","
set datafile missing "nan"
set title "hv1k: time relative to the floor program and to native (1 = as fast; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y 2
set yrange [0.5:16]
set ytics ("0.5" 0.5, "1" 1, "1.1" 1.1, "1.3" 1.3, "2" 2, "4" 4, "8" 8, "16" 16)
set grid ytics
set key top right
plot "$out/ratios.csv" every ::1 using 2:xtic(1) title "hv1k / floor", '' every ::1 using 3 title "hv1k / native", 1 with lines dashtype 2 lc "black" notitle
EOF
echo "wrote $out/table.txt, figures.csv, ratios.csv, ratios.png"
