#!/usr/bin/env bash
# tests/outside/build.sh OUTDIR: builds the guests that do not use hv1k's
# guest runtime, the way a student's own would be built: a raw binary from
# assembly (raw_uart.bin) and a freestanding ELF linked elsewhere
# (elf_sbi.elf). CC= selects another clang, as for run.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
cc=${CC:-clang}
flags="--target=riscv64-unknown-elf -march=rv64gc -mabi=lp64 -mno-relax
    -nostdlib -fuse-ld=lld"
# shellcheck disable=SC2086
$cc $flags -Wl,-Ttext=0x80000000 -o "$out/raw_uart.elf" "$here/raw_uart.S"
llvm-objcopy -O binary "$out/raw_uart.elf" "$out/raw_uart.bin"
# shellcheck disable=SC2086
$cc $flags -O2 -ffreestanding -mcmodel=medany -Wl,--image-base=0x80200000 \
    -o "$out/elf_sbi.elf" "$here/elf_sbi.c"
