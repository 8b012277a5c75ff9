// unmapped_fetch.c: proves that a jump to a guest physical address with
// neither RAM nor a device behind it ends the VM with an instruction
// guest-page fault reported as a fetch at that address (scause 20 on both
// QEMU 7.2 and 10), sepc being the address itself. hv1k must not try to
// decode or emulate anything there, nor resume the guest (which would then
// print "ok: survived").
#include "../../guest/guest.h"

#define UNMAPPED_GPA 0x50000000UL // below guest RAM, no device there

int main(void) {
    printf("unmapped_fetch: jumping to 0x%lx\n", UNMAPPED_GPA);
    __asm__ __volatile__("jalr %0" ::"r"(UNMAPPED_GPA) : "ra", "memory");
    printf("ok: survived\n");
    return 1;
}
