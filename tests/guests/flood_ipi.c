// A flooding guest (flood.h): interrupts as fast as it can. Each operation
// sends itself an IPI (SBI send_ipi: an exit that raises the VM's software
// interrupt) and takes it in its own trap handler.
#define FLOOD_NAME "flood_ipi"
#include "flood.h"

#define SIP_SSIP (1UL << 1)
static volatile unsigned long taken;

__attribute__((interrupt("supervisor"), aligned(4))) static void on_trap(void) {
    __asm__ __volatile__("csrc sip, %0" ::"r"(SIP_SSIP));
    taken++;
}

static void flood_once(void) {
    static int ready;
    if (!ready) {
        WRITE_CSR(stvec, (unsigned long)on_trap);
        WRITE_CSR(sie, SIP_SSIP);
        WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
        ready = 1;
    }
    unsigned long before = taken;
    sbi_call(SBI_EXT_IPI, 0, 1, 0, 0, 0); // send_ipi(hart_mask 1, base 0)
    while (taken == before)
        ;
}
