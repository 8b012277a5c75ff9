// mmio_paging.c: proves that hv1k emulates MMIO for a guest that turned on
// its own paging, where neither address the hardware reports is a guest
// physical one:
//   - the data: the guest maps the UART (guest physical 0x10000000) at the
//     virtual address UART_VA, so stval holds a virtual address and only
//     htval (GPA >> 2) says which device register was touched;
//   - the code: the load and store run in a second virtual view of guest RAM
//     at RAM_ALIAS_VA, so sepc is a virtual address with no RAM behind it as
//     a guest physical address. On QEMU 7.2 (htinst = 0) hv1k must fetch the
//     instruction with HLVX, through the guest's page table; fetching at
//     "GPA = sepc" would find nothing there.
// The guest's Sv39 table (privileged spec, "Sv39"): two 1 GiB gigapages for
// RAM (identity, and the alias) and one 4 KiB page for the UART.
#include "../../guest/guest.h"

#define RAM_ALIAS_VA 0x40000000UL // RAM again, 1 GiB lower than its GPA
#define UART_VA 0xc0001000UL      // the UART, far from 0x10000000
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static uint64_t root[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t uart_l1[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t uart_l0[512] __attribute__((aligned(PAGE_SIZE)));

// The guest runs with paging off while it builds the table, so a pointer to
// a table is also its guest physical address.
static void build_page_table(void) {
    unsigned long rwx = PTE_R | PTE_W | PTE_X;
    root[VPN2(GUEST_RAM_BASE)] = PTE_LEAF(GUEST_RAM_BASE, rwx); // identity
    root[VPN2(RAM_ALIAS_VA)] = PTE_LEAF(GUEST_RAM_BASE, rwx);   // the alias
    root[VPN2(UART_VA)] = PTE_TABLE(uart_l1);
    uart_l1[VPN1(UART_VA)] = PTE_TABLE(uart_l0);
    uart_l0[VPN0(UART_VA)] = PTE_LEAF(UART_BASE, PTE_R | PTE_W);
}

// What the code in the alias saw.
struct alias_result {
    unsigned long pc;  // where it ran
    unsigned long lsr; // the last LSR it read
};

// A 32-bit sw to THR (`.option norvc`: not compressed by the assembler).
static inline __attribute__((always_inline)) void sw_thr(unsigned long ch) {
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "sw %1, %2(%0)\n"
                         ".option pop" ::"r"(UART_VA),
                         "r"(ch), "I"(UART_THR)
                         : "memory");
}

// c.sw to THR: base and data in x8-x15 (a4, a5).
static inline __attribute__((always_inline)) void c_sw_thr(unsigned long ch) {
    register unsigned long base __asm__("a4") = UART_VA;
    register unsigned long data __asm__("a5") = ch;
    __asm__ __volatile__("c.sw %1, 0(%0)" ::"r"(base), "r"(data) : "memory");
}

// lbu of LSR.
static inline __attribute__((always_inline)) unsigned long read_lsr(void) {
    unsigned long lsr;
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "lbu %0, %2(%1)\n"
                         ".option pop"
                         : "=r"(lsr)
                         : "r"(UART_VA), "I"(UART_LSR)
                         : "memory");
    return lsr;
}

// Called only at its alias address: prints "sw+" with sw and "c.sw" with
// c.sw through UART_VA, waiting for LSR.THRE before each byte.
__attribute__((noinline)) static void
mmio_from_the_alias(struct alias_result *result) {
    __asm__ __volatile__("auipc %0, 0" : "=r"(result->pc));
    for (const char *s = "sw+"; *s; s++) {
        while (!((result->lsr = read_lsr()) & LSR_THRE))
            ;
        sw_thr((unsigned char)*s);
    }
    for (const char *s = "c.sw"; *s; s++) {
        while (!((result->lsr = read_lsr()) & LSR_THRE))
            ;
        c_sw_thr((unsigned char)*s);
    }
}

int main(void) {
    struct alias_result result = {0, 0};
    unsigned long alias_va =
        (unsigned long)mmio_from_the_alias - GUEST_RAM_BASE + RAM_ALIAS_VA;
    // Hide the arithmetic from the compiler: it would otherwise fold it away
    // and call mmio_from_the_alias at its identity address.
    __asm__("" : "+r"(alias_va));
    void (*alias)(struct alias_result *) =
        (void (*)(struct alias_result *))alias_va;
    build_page_table();
    paging_on(root);
    printf("paged: ");
    alias(&result);
    printf("\n");
    paging_off();
    printf("alias called at 0x%lx, ran at 0x%lx\n", (unsigned long)alias,
           result.pc);
    check_got(result.pc - RAM_ALIAS_VA < GUEST_RAM_BASE - RAM_ALIAS_VA &&
                  result.pc - (unsigned long)alias < 64,
              "the MMIO code ran at its alias virtual address", "pc 0x%lx, alias 0x%lx",
              result.pc, (unsigned long)alias);
    check_equal(result.lsr, LSR_THRE | LSR_TEMT, "LSR through UART_VA reads 0x60");
    return 0;
}
