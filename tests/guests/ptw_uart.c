// ptw_uart.c: proves that hv1k never mistakes the guest's own page-table walk
// for a load by the instruction at sepc. The guest points satp at a root
// table whose page is the UART (guest physical 0x10000000), so the hardware's
// walk reads the UART's guest physical page, which the G-stage does not map:
// a guest-page fault whose htinst holds a pseudo-instruction (privileged
// spec, "Transformed Instruction or Pseudoinstruction for htinst"), not a
// load or store to decode. hv1k must end the VM ("guest page-table walk
// touched GPA 0x10000010"), not emulate a UART access and resume.
//
// The first walk is in fact the one for the instruction fetch right after
// the satp write: it reads the root entry for VPN2(pc) = 2, at GPA
// 0x10000010, so the load below is never reached (if it were, "ok: survived"
// would say so). The faulting address is htval << 2 alone: stval holds the
// guest VIRTUAL address of the fetch, whose low bits have nothing to do with
// the page-table entry's address. To make that visible, the fetch that
// faults is placed at an address with pc & 3 = 2.
#include "../../guest/guest.h"

int main(void) {
    unsigned long satp = SATP_MODE_SV39 | UART_BASE >> 12, value = 0;
    // No interrupt may arrive with this satp: the guest has no handler.
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    printf("ptw_uart: satp = 0x%lx\n", satp);
    __asm__ __volatile__(".balign 4\n"
                         "c.nop\n"          // csrw at 4n + 2, so the
                         "csrw satp, %1\n"  // next fetch is at 4n + 6
                         "sfence.vma\n"
                         "ld %0, 0(zero)\n" // virtual address 0
                         : "=r"(value)
                         : "r"(satp)
                         : "memory");
    WRITE_CSR(satp, 0);
    printf("ok: survived, loaded 0x%lx\n", value);
    return 1;
}
