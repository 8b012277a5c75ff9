// unmapped_store.c: proves that a store to a guest physical address with
// neither RAM nor a device behind it ends the VM: hv1k reports the store's
// GPA and sepc, prints its exit summary, and stops with EXIT_VM_ENDED. It
// must neither emulate the store nor resume the guest (which would then print
// "ok: survived").
#include "../../guest/guest.h"

#define UNMAPPED_GPA 0x40000000UL // below guest RAM, no device there

// Its first instruction is the store, so hv1k's "sepc 0x..." should be this
// function's address, which the guest prints beforehand for comparison.
__attribute__((naked, noinline)) static void store_word(unsigned long gpa,
                                                       unsigned long value) {
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "sw a1, 0(a0)\n"
                         "ret\n"
                         ".option pop");
}

int main(void) {
    printf("unmapped_store: the sw at 0x%lx stores to 0x%lx\n",
           (unsigned long)store_word, UNMAPPED_GPA);
    store_word(UNMAPPED_GPA, 0x12345678);
    printf("ok: survived\n");
    return 1;
}
