// stale_insn.h: shows hv1k an instruction other than the one that faulted,
// to prove that its MMIO decoder refuses what is not a plain load or store.
// Included by a guest that first defines:
//   REAL_INSN   a load or store that the hardware runs: "lb a1, 0(a0)" or
//               "sb a1, 0(a0)", with a0 = the UART, a1 = the byte to store
//   DECOY_WORD  the same with a reserved funct3: a LOAD with funct3 7, or a
//               STORE with funct3 4 (the RV128 ldu and sq: not RV64's)
//   NAME        the guest's name, to start its lines
//
// On QEMU 7.2 htinst is 0 on a guest-page fault from a plain load or store,
// so hv1k reads the faulting instruction itself with HLVX at sepc, which
// translates through the guest's page table afresh (hlvx_fault.c does the
// same with a cleared PTE). So the guest
//   1. turns Sv39 paging on, with the page that holds REAL_INSN (as its
//      last instruction) mapped again at CODE_VA, and the UART at UART_VA;
//   2. runs the alias once on RAM (no VM exit: QEMU keeps the translation);
//   3. points the alias's PTE at a decoy page that holds DECOY_WORD at the
//      same offset, WITHOUT sfence.vma (the hart may keep the stale one);
//   4. runs the alias on the UART: the hart runs the stale REAL_INSN, which
//      faults, and hv1k's HLVX reads DECOY_WORD. hv1k must end the VM with
//      "cannot emulate the load (or store) at GPA 0x1000000N: the instruction
//      at sepc 0x40000ffc is unreadable or not a plain load or store".
// On QEMU 8 and later htinst holds REAL_INSN itself: hv1k emulates it, and
// the guest says so and shuts down cleanly.
#include "code_alias.h"

#define INSN_OFFSET 0xffcUL  // REAL_INSN: the last 4 bytes of page 1

// run_insn(a0, a1): REAL_INSN then ret, placed so that REAL_INSN ends the
// first of two pages and the ret starts the second (whose PTE stays valid);
// it returns a1. The decoy page holds DECOY_WORD at the same offset.
extern char insn_pages[], run_insn[], decoy_page[];
__asm__(".pushsection .text.insn_pages, \"ax\", @progbits\n"
        ".balign 4096\n"
        ".globl insn_pages, run_insn, decoy_page\n"
        "insn_pages:\n"
        ".option push\n"
        ".option norvc\n"
        ".fill 1023, 4, 0x00000013\n" // nop up to offset 0xffc
        "run_insn:\n"
        "    " REAL_INSN "\n" // page 1's last instruction
        "    mv a0, a1\n"     // page 2's first instructions
        "    ret\n"
        ".balign 4096\n"
        "decoy_page:\n"
        ".fill 1023, 4, 0x00000013\n"
        ".word " DECOY_WORD "\n"
        ".option pop\n"
        ".popsection\n");
typedef unsigned long (*insn_fn)(volatile uint8_t *where, unsigned long a1);

int main(void) {
    insn_fn alias = (insn_fn)(CODE_VA + INSN_OFFSET);
    WRITE_CSR(stvec, (unsigned long)on_unexpected_trap);
    build_page_table(insn_pages);
    if (run_insn - insn_pages != (long)INSN_OFFSET || decoy_page - insn_pages != 2 * PAGE_SIZE) {
        check(0, NAME ": the instruction is the last of its page, the decoy two pages on");
        return 1; // the layout this test relies on is not there
    }
    printf(NAME ": the hardware runs " REAL_INSN ", hv1k's HLVX would read " DECOY_WORD "\n");
    paging_on(root);
    // From here to the UART call: no VM exit, so no TLB flush.
    alias(&ram_byte, 'w'); // caches the alias's translation
    alias_l0[VPN0(CODE_VA)] = PTE_LEAF(decoy_page, PTE_R | PTE_X); // no sfence.vma
    __asm__ __volatile__("" ::: "memory");
    unsigned long got = alias((uint8_t *)UART_VA + OFFSET, 'B'); // QEMU 7.2: hv1k ends the VM
    paging_off();
    printf(NAME ": hv1k emulated " REAL_INSN ", a1 0x%lx\n", got);
    return 0;
}
