// tests/bench/floor.c: the floor of a VM exit under QEMU, for tests/bench.sh.
//
// A hypervisor reduced to nothing: it maps guest RAM with G-stage leaves of
// the size it was built for (-DLEAF_SIZE, like hv1k's for the same RAM
// size, -DRAM_SIZE), enters the benchmark guest, and answers its two hot
// exits in a few instructions of assembly: the null SBI call (bump sepc,
// sret) and a load from the UART (a fixed LSR value in a0). Whatever hv1k
// takes beyond this floor is hv1k's own cost. The guest's printing and
// shutdown go to a small C handler off the hot path.
#include "../../common.h"

#define GUEST_HPA RAM_POOL_HPA // where run.sh's hv1k puts guest RAM too
#define GUEST_ENTRY 0x80200000UL // the benchmark guest, loaded by QEMU at GUEST_HPA + 2 MiB

void putchar(char ch) { sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, ch, 0, 0, 0); }

__attribute__((noreturn)) static void floor_power_off(int status) {
    volatile uint32_t *finisher = (uint32_t *)SIFIVE_TEST_BASE;
    *finisher = status == 0 ? 0x5555 : ((uint32_t)status << 16) | 0x3333;
    for (;;)
        __asm__ __volatile__("wfi");
}

// The G-stage table: a 16 KiB Sv39x4 root and enough lower tables for 4 KiB
// leaves over 1 GiB (512 + 1).
static uint64_t root[2048] __attribute__((aligned(16384)));
static uint64_t tables[513][512] __attribute__((aligned(4096)));
static unsigned long tables_used;

static uint64_t *next_level(uint64_t *pte) {
    if (!(*pte & PTE_V))
        *pte = ((uint64_t)tables[tables_used++] >> 12) << 10 | PTE_V;
    return (uint64_t *)((*pte >> 10) << 12);
}

static void map_leaf(unsigned long gpa, unsigned long hpa) {
    uint64_t *pte = &root[(gpa >> 30) & 0x7ff];
    if (LEAF_SIZE < (1UL << 30))
        pte = &next_level(pte)[(gpa >> 21) & 0x1ff];
    if (LEAF_SIZE < (1UL << 21))
        pte = &next_level(pte)[(gpa >> 12) & 0x1ff];
    *pte = (hpa >> 12) << 10 | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D | PTE_V;
}

// The slow path: the guest's registers as the trap vector saved them.
struct frame {
    unsigned long regs[32];
};

void floor_slow_path(struct frame *f) {
    unsigned long scause = READ_CSR(scause), *a = &f->regs[10];
    if (scause == SCAUSE_VIRTUAL_SUPERVISOR_ECALL && a[7] == SBI_EXT_LEGACY_PUTCHAR) {
        putchar((char)a[0]);
        WRITE_CSR(sepc, READ_CSR(sepc) + 4);
        return;
    }
    if (scause == SCAUSE_VIRTUAL_SUPERVISOR_ECALL &&
        (a[7] == SBI_EXT_SRST || a[7] == SBI_EXT_LEGACY_SHUTDOWN))
        floor_power_off(0);
    printf("floor: unexpected trap: scause 0x%lx, sepc 0x%lx, stval 0x%lx, htval 0x%lx\n",
           scause, READ_CSR(sepc), READ_CSR(stval), READ_CSR(htval));
    floor_power_off(4);
}

// The trap vector. Hot path: t0 borrowed through sscratch, nothing saved.
void floor_trap(void);
__asm__(".text\n.align 2\n"
        "floor_trap:\n"
        "    csrw sscratch, t0\n"
        "    csrr t0, scause\n"
        "    addi t0, t0, -10\n" // VS-mode ecall
        "    bnez t0, 1f\n"
        "    addi t0, a7, -0x10\n" // with a7 = SBI base: the null call
        "    bnez t0, slow\n"
        "    li a0, 0\n"
        "    j 2f\n"
        "1:  addi t0, t0, 10-21\n" // load guest-page fault: the UART's LSR
        "    bnez t0, slow\n"
        "    li a0, 0x60\n" // LSR: THRE | TEMT
        "2:  csrr t0, sepc\n"
        "    addi t0, t0, 4\n"
        "    csrw sepc, t0\n"
        "    csrr t0, sscratch\n"
        "    sret\n"
        "slow:\n"
        "    la t0, slow_frame\n"
        "    .irp n, 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
        "23,24,25,26,27,28,29,30,31\n"
        "    sd x\\n, 8*\\n(t0)\n"
        "    .endr\n"
        "    csrr t1, sscratch\n"
        "    sd t1, 8*5(t0)\n"
        "    la sp, __stack_top\n"
        "    mv a0, t0\n"
        "    call floor_slow_path\n"
        "    la t0, slow_frame\n"
        "    .irp n, 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
        "23,24,25,26,27,28,29,30,31\n"
        "    ld x\\n, 8*\\n(t0)\n"
        "    .endr\n"
        "    ld t0, 8*5(t0)\n"
        "    sret\n");
struct frame slow_frame;

extern char __bss[], __bss_end[];

void floor_main(void) {
    memset(__bss, 0, (size_t)(__bss_end - __bss));
    WRITE_CSR(stvec, (unsigned long)floor_trap);
    for (unsigned long off = 0; off < RAM_SIZE; off += LEAF_SIZE)
        map_leaf(GUEST_RAM_BASE + off, GUEST_HPA + off);
    printf("floor: guest RAM %lu MiB, %lu KiB G-stage leaves\n", RAM_SIZE >> 20,
           LEAF_SIZE >> 10);
    WRITE_CSR(hstatus, READ_CSR(hstatus) | HSTATUS_SPV | HSTATUS_SPVP);
    WRITE_CSR(hedeleg, (1UL << SCAUSE_ILLEGAL_INSN) | (1UL << SCAUSE_BREAKPOINT) |
                           (1UL << SCAUSE_INSN_PAGE_FAULT) |
                           (1UL << SCAUSE_LOAD_PAGE_FAULT) |
                           (1UL << SCAUSE_STORE_PAGE_FAULT));
    WRITE_CSR(hideleg, (1UL << IRQ_VS_SOFT) | (1UL << IRQ_VS_TIMER) | (1UL << IRQ_VS_EXT));
    WRITE_CSR(hcounteren, HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR);
    WRITE_CSR(henvcfg, HENVCFG_STCE);
    WRITE_CSR(vstimecmp, -1UL);
    WRITE_CSR(sstatus, (READ_CSR(sstatus) & ~SSTATUS_SIE) | SSTATUS_SPP | SSTATUS_FS_INITIAL);
    WRITE_CSR(vsstatus, SSTATUS_FS_INITIAL);
    WRITE_CSR(hgatp, HGATP_MODE_SV39X4 | 1UL << HGATP_VMID_SHIFT | (unsigned long)root >> 12);
    __asm__ __volatile__(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory"); // hfence.gvma
    WRITE_CSR(sepc, GUEST_ENTRY);
    __asm__ __volatile__("li a0, 0\n li a1, 0\n sret");
    for (;;)
        ;
}

__attribute__((naked, section(".text.boot"))) void floor_boot(void) {
    __asm__ __volatile__("la sp, __stack_top\n"
                         "j floor_main\n");
}
