// mmio_signs.c: proves that hv1k extends every load from a device as its
// instruction says, sign or zero, at every width, on a register whose sign
// bits are set: the emulated PLIC's 32-bit enable register for context 1,
// which keeps every bit but bit 0 (there is no source 0). uart_widths.c
// cannot show it for lh/lhu and lw/lwu: a UART register is one byte, and a
// byte zero-extended to 16 or 32 bits never has bit 15 or 31 set.
//
// The register holds 0x80008080 (bits 31, 15 and 7), so:
//   lb  0xffffffffffffff80   lbu 0x80
//   lh  0xffffffffffff8080   lhu 0x8080
//   lw  0xffffffff80008080   lwu 0x80008080   c.lw 0xffffffff80008080
//   ld  0x80008080 (the register is 32 bits wide: its upper half reads 0)
#include "../../guest/guest.h"

#define ENABLE (PLIC_BASE + PLIC_ENABLE_CTX1)
#define VALUE 0x80008080UL

// One 32-bit load `insn rd, 0(ENABLE)` (not compressed, so that the test
// knows which encoding hv1k decodes); rd starts with other bits.
#define LOAD(insn)                                                             \
    ({                                                                         \
        unsigned long __rd = 0x5555555555555555UL;                             \
        __asm__ __volatile__(".option push\n.option norvc\n" insn              \
                             " %0, 0(%1)\n.option pop"                         \
                             : "+r"(__rd)                                      \
                             : "r"(ENABLE)                                     \
                             : "memory");                                      \
        __rd;                                                                  \
    })

// c.lw a5, 0(a4): quadrant 0, registers x8-x15, sign-extended from 32 bits.
static unsigned long c_lw(void) {
    register unsigned long base __asm__("a4") = ENABLE;
    register unsigned long data __asm__("a5") = 0x5555555555555555UL;
    __asm__ __volatile__("c.lw %0, 0(%1)" : "+r"(data) : "r"(base) : "memory");
    return data;
}

int main(void) {
    *(volatile uint32_t *)ENABLE = (uint32_t)VALUE;
    check_equal(LOAD("lwu"), VALUE, "lwu of PLIC enable 0x80008080 gives 0x80008080");
    check_equal(LOAD("lw"), 0xffffffff80008080UL,
                "lw of PLIC enable 0x80008080 gives 0xffffffff80008080");
    check_equal(LOAD("lhu"), 0x8080, "lhu of PLIC enable 0x80008080 gives 0x8080");
    check_equal(LOAD("lh"), 0xffffffffffff8080UL,
                "lh of PLIC enable 0x80008080 gives 0xffffffffffff8080");
    check_equal(LOAD("lbu"), 0x80, "lbu of PLIC enable 0x80008080 gives 0x80");
    check_equal(LOAD("lb"), 0xffffffffffffff80UL,
                "lb of PLIC enable 0x80008080 gives 0xffffffffffffff80");
    check_equal(LOAD("ld"), VALUE, "ld of PLIC enable 0x80008080 gives 0x80008080");
    check_equal(c_lw(), 0xffffffff80008080UL,
                "c.lw of PLIC enable 0x80008080 gives 0xffffffff80008080");
    *(volatile uint32_t *)ENABLE = 0;
    printf("mmio_signs: done\n");
    return 0;
}
