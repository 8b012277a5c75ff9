// hlvx_fault.c: proves that when hv1k cannot read the guest instruction it
// must emulate, it ends the VM with a message: no hypervisor PANIC, no hang,
// and no emulating whatever bits it did not manage to read.
//
// On QEMU 7.2 htinst is 0 on a guest-page fault from a plain store, so hv1k
// reads the faulting instruction itself with HLVX.HU at sepc. HLVX translates
// through the guest's page table (vsatp) afresh, so it sees what the guest
// wrote there, while the guest's own fetches may still use a stale cached
// translation. The guest sets this up on purpose:
//   1. Sv39 paging on; the page holding store_byte (a `sb a1, 0(a0)`) is
//      mapped again at CODE_VA, and the UART at UART_VA. A control call
//      through the alias stores 'A' to the UART: with a valid PTE, HLVX
//      reads the sb and hv1k emulates it.
//   2. A call through the alias that stores to RAM caches the alias's
//      translation (no VM exit, so QEMU does not flush its TLB).
//   3. The guest clears the alias's PTE (V=0) WITHOUT sfence.vma: the
//      privileged spec lets the hart keep using the stale translation.
//   4. It calls the alias again to store 'B' to the UART. The stale fetch
//      runs the sb; the store makes a guest-page fault. hv1k's HLVX walks the
//      new, invalid PTE and faults in hv1k itself: hv1k must end the VM with
//      "cannot emulate the store at GPA 0x10000000: the instruction at sepc
//      0x40000ffc is unreadable ...", exit status 4. (QEMU 7.2 raises that
//      HLVX fault as a load ACCESS fault, cause 5, which OpenSBI takes in
//      M-mode and redirects to hv1k: hv1k cannot count on the hardware's
//      trap bookkeeping, such as hstatus.SPV, for it.)
// On QEMU 10 htinst holds the sb, hv1k never runs HLVX, emulates the store
// and resumes the guest, which then says so and shuts down cleanly.
//
// The sb is the LAST instruction of its page: the instruction after it (the
// ret) is on the next page, whose PTE stays valid. So on QEMU 10 the guest
// goes on without ever fetching through the cleared PTE after the exit.
#include "code_alias.h"

#define STORE_OFFSET 0xffcUL // store_byte's sb: the last 4 bytes of page 1

// store_byte(where, byte): `sb a1, 0(a0); ret`, placed so that the sb ends
// the first of two pages and the ret starts the second. Uncompressed, so
// that the sb is exactly at STORE_OFFSET and the ret at the next page.
extern char store_pages[], store_byte[];
__asm__(".pushsection .text.store_pages, \"ax\", @progbits\n"
        ".balign 4096\n"
        ".globl store_pages, store_byte\n"
        "store_pages:\n"
        ".option push\n"
        ".option norvc\n"
        ".fill 1023, 4, 0x00000013\n" // nop up to offset 0xffc
        "store_byte:\n"
        "    sb a1, 0(a0)\n" // page 1's last instruction
        "    ret\n"          // page 2's first instruction
        ".option pop\n"
        ".balign 4096\n"
        ".popsection\n");
typedef void (*store_fn)(volatile uint8_t *where, unsigned long byte);

int main(void) {
    volatile uint8_t *uart_thr = (uint8_t *)UART_VA + UART_RBR;
    store_fn alias = (store_fn)(CODE_VA + STORE_OFFSET);
    WRITE_CSR(stvec, (unsigned long)on_unexpected_trap);
    build_page_table(store_pages);
    printf("hlvx: store_byte at 0x%lx, sb at offset 0x%lx of its page, "
           "called at 0x%lx\n", (unsigned long)store_byte,
           (unsigned long)(store_byte - store_pages), (unsigned long)alias);
    if (store_byte - store_pages != (long)STORE_OFFSET) {
        check(0, "the sb is the last instruction of its page");
        return 1; // the layout this test relies on is not there
    }
    paging_on(root);
    printf("control: ");
    alias(uart_thr, 'A'); // valid PTE: emulated on both QEMUs
    printf("\n");
    printf("stale store: ");
    // From here to the second call: no VM exit, so no TLB flush.
    alias(&ram_byte, 'w');             // caches the alias's translation
    alias_l0[VPN0(CODE_VA)] = 0;       // V=0, and no sfence.vma
    __asm__ __volatile__("" ::: "memory");
    alias(uart_thr, 'B');              // QEMU 7.2: hv1k ends the VM here
    printf("\n");
    paging_off();
    check(ram_byte == 'w', "the alias ran (stored to RAM) before its PTE "
                           "was cleared");
    check(alias_l0[VPN0(CODE_VA)] == 0, "the alias's PTE is still cleared");
    printf("hlvx: the store was emulated without reading the instruction\n");
    return 0;
}
