// Test guest for isolation, run by tests/spy-memory.sh: the GPAs
// 0x80000000 - 0x82000000 are where OpenSBI, hv1k and its page tables live
// in host physical memory, but in a VM they are the guest's own RAM. This
// guest fills them (from the first page above its own stack) with the word
// "SPY0WN!!" and prints "spy_memory: stored". The script then reads host
// memory from outside, through QEMU's monitor, and checks that the pattern
// is nowhere in 0x80000000 - 0x82000000 and that hv1k's code is intact. On
// a key (or after 60 s) the guest reads its words back and shuts down.
//
// The pattern is written and checked in assembly, and no register keeps it
// afterwards: hv1k saves the guest's registers in its own memory at every
// exit, which would otherwise put the pattern there legitimately. Every page
// is written with 0 first, so that a store's first-write exit (QEMU 10 sets
// no G-stage D bit itself) never comes while a register holds the pattern.
#include "../../guest/guest.h"

#define HOST_END 0x82000000UL // where guest RAM starts in the host (RAM_POOL_HPA is higher)

extern char __stack_top[];

// Stores the pattern into [from, to); then no register holds it.
static void fill(unsigned long from, unsigned long to) {
    __asm__ __volatile__("li t0, 0x21214e5730595053\n" // "SPY0WN!!", little-endian
                         "1: sd t0, 0(%0)\n"
                         "addi %0, %0, 8\n"
                         "bltu %0, %1, 1b\n"
                         "li t0, 0\n"
                         : "+r"(from)
                         : "r"(to)
                         : "t0", "memory");
}

// Returns the address of the first word of [from, to) that is not the
// pattern, or `to`; then no register holds it.
static unsigned long first_changed(unsigned long from, unsigned long to) {
    __asm__ __volatile__("li t0, 0x21214e5730595053\n"
                         "1: ld t1, 0(%0)\n"
                         "bne t1, t0, 2f\n"
                         "addi %0, %0, 8\n"
                         "bltu %0, %1, 1b\n"
                         "2: li t0, 0\n"
                         "li t1, 0\n"
                         : "+r"(from)
                         : "r"(to)
                         : "t0", "t1", "memory");
    return from;
}

int main(void) {
    unsigned long from = ((unsigned long)__stack_top + PAGE_SIZE) & ~(PAGE_SIZE - 1);
    if (boot_a1 < HOST_END) {
        printf("FAIL: spy_memory: RAM ends below 0x%lx\n", HOST_END);
        return 1;
    }
    for (unsigned long page = from; page < HOST_END; page += PAGE_SIZE)
        *(volatile uint64_t *)page = 0; // first writes, before the pattern
    fill(from, HOST_END);
    printf("spy_memory: stored \"SPY0WN!!\" at GPAs 0x%lx - 0x%lx\n", from, HOST_END);
    char key = 0;
    unsigned long give_up = read_time() + 60 * TIMEBASE_HZ;
    while (read_time() < give_up &&
           sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 1, (long)&key, 0, 0).value != 1)
        ;
    unsigned long changed = first_changed(from, HOST_END);
    if (changed != HOST_END) {
        printf("FAIL: spy_memory: the word at GPA 0x%lx changed\n", changed);
        return 1;
    }
    printf("ok: spy_memory: read them back\n");
    return 0;
}
