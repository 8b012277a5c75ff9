// no_sstc.c: run with --no-sstc. A guest not given Sstc (its device tree's
// riscv,isa says so) must not have it: its stimecmp does not exist, and
// reading it is an illegal instruction. On a CPU with Sstc that is hv1k's
// doing: henvcfg.STCE stays clear, the read is a virtual-instruction exit,
// and hv1k hands it back as illegal instruction. On a CPU without Sstc the
// hardware raises it, straight to the guest.
#include "../../guest/guest.h"

static volatile unsigned long trap_scause, trap_stval;

// The guest's own trap handler: remember the trap, skip the instruction.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    trap_scause = READ_CSR(scause);
    trap_stval = READ_CSR(stval);
    WRITE_CSR(sepc, READ_CSR(sepc) + 4);
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    trap_scause = -1UL;
    printf("no_sstc: reading stimecmp\n");
    unsigned long value = 0x5555;
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "csrr %0, stimecmp\n"
                         ".option pop\n"
                         : "+r"(value)::"memory");
    check_got(trap_scause == SCAUSE_ILLEGAL_INSN,
              "no_sstc: csrr stimecmp is an illegal instruction",
              "it read 0x%lx, scause 0x%lx (is henvcfg.STCE set without Sstc?)", value,
              trap_scause);
    printf("no_sstc: done\n");
    return 0;
}
