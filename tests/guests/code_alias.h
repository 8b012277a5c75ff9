// code_alias.h: the set-up that hlvx_fault.c and stale_insn.h share. The
// guest turns Sv39 paging on with guest RAM identity-mapped by one 1 GiB
// gigapage (it keeps running at its physical addresses), two pages of its
// code mapped again at CODE_VA (R+X) and the UART at UART_VA (R+W), with
// 4 KiB pages: one PTE each, so that the guest can change the code alias's
// PTE (alias_l0[VPN0(CODE_VA)]) and leave the others alone. A call through
// the alias that stores to ram_byte caches the alias's translation; the
// guest then changes that PTE without sfence.vma, so that the hart may run
// the stale translation while hv1k's HLVX walks the new one.
#include "../../guest/guest.h"

#define CODE_VA 0x40000000UL // the alias: two 4 KiB pages,
#define UART_VA 0x40002000UL // then the UART (guest physical 0x10000000)

static uint64_t root[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t alias_l1[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t alias_l0[512] __attribute__((aligned(PAGE_SIZE)));

// Builds the table for the two code pages from `pages` on. Paging is off,
// so a pointer to a table is its guest physical address.
static void build_page_table(const char *pages) {
    root[VPN2(GUEST_RAM_BASE)] = PTE_LEAF(GUEST_RAM_BASE, PTE_R | PTE_W | PTE_X);
    root[VPN2(CODE_VA)] = PTE_TABLE(alias_l1);
    alias_l1[VPN1(CODE_VA)] = PTE_TABLE(alias_l0);
    alias_l0[VPN0(CODE_VA)] = PTE_LEAF(pages, PTE_R | PTE_X);
    alias_l0[VPN0(CODE_VA + PAGE_SIZE)] = PTE_LEAF(pages + PAGE_SIZE, PTE_R | PTE_X);
    alias_l0[VPN0(UART_VA)] = PTE_LEAF(UART_BASE, PTE_R | PTE_W);
}

// Any trap the guest takes itself (e.g. an instruction page fault if the
// hart did re-walk the changed PTE) means the test did not run as planned:
// say so instead of hanging.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_unexpected_trap(void) {
    printf("FAIL: guest trap: scause 0x%lx, sepc 0x%lx, stval 0x%lx\n",
           READ_CSR(scause), READ_CSR(sepc), READ_CSR(stval));
    sbi_shutdown(1);
}

static volatile uint8_t ram_byte; // what the TLB-warming call stores
