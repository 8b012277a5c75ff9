// spy.h: the whole of a spy guest, for isolation between VMs. A spy file
// defines SPY_TARGET, a guest physical address outside its own RAM
// (0x80000000 up to the end of its --mem, 64 MiB by default), and includes
// this file. Run it beside victim.c.
//
// It makes exactly one attempt: it prints "spy: storing to GPA 0x..." and
// does one 64-bit store of SPY_VALUE to SPY_TARGET. There is nothing there
// in the spy's VM, so hv1k must end the VM (exit status EXIT_VM_ENDED) and
// the store must land nowhere: not in another VM's RAM, not in hv1k's. If
// the guest is resumed after it, it prints "FAIL: spy: survived the store"
// and shuts down with a failure.
#include "../../guest/guest.h"

#ifndef SPY_TARGET
#error "define SPY_TARGET before including spy.h"
#endif
#define SPY_VALUE 0x5350595350595350UL // "PSYPSYPS" in memory

// Its first instruction is the store, so hv1k's "sepc 0x..." should be this
// function's address, which the spy prints beforehand for comparison.
__attribute__((naked, noinline)) static void store_dword(unsigned long gpa,
                                                        unsigned long value) {
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "sd a1, 0(a0)\n"
                         "ret\n"
                         ".option pop");
}

int main(void) {
    // Give the victim (VM 1) a second to write its pattern first.
    unsigned long start = read_time();
    while (read_time() - start < TIMEBASE_HZ)
        ;
    printf("spy: storing to GPA 0x%lx\n", (unsigned long)SPY_TARGET);
    printf("  the sd is at 0x%lx\n", (unsigned long)store_dword);
    store_dword(SPY_TARGET, SPY_VALUE);
    printf("FAIL: spy: survived the store\n");
    return 1;
}
