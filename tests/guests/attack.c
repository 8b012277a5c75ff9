// attack.c: a hostile guest for `./run.sh --serve tests/guests/attack.c
// --timeout 1`, one attack per request, so that every attack gets a VM of
// its own and the test reads one outcome per line. (--serve VMs have 256 KiB
// of RAM: GPA 0x80000000-0x80040000.)
//
// Two kinds of outcome:
// - hv1k must end the VM: the request's line is hv1k's "request N: <cause>".
//   If the guest is resumed instead, it answers "FAIL: NAME: survived".
// - the guest must get the exception itself, as a CPU without H would raise
//   it, or must simply go on: it answers "NAME: ..." with what it saw.
// The request "list" answers with every attack's name.
#include "../../guest/guest.h"

#define RAM_END (GUEST_RAM_BASE + (256UL << 10))
#define PLIC_PRIORITY(src) (PLIC_BASE + 4 * (src))

// The last exception the guest's handler took.
static volatile unsigned long trap_count, trap_scause, trap_stval;

// The guest's handler: remember the exception and skip the 4-byte
// instruction (every trapping instruction here is built with norvc).
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    trap_count++;
    trap_scause = READ_CSR(scause);
    trap_stval = READ_CSR(stval);
    WRITE_CSR(sepc, READ_CSR(sepc) + 4);
}

static char answer[1024];

// Answers the request with a printf-style line (ends the VM).
static void put_answer(char ch) {
    static unsigned n;
    if (n < sizeof answer)
        answer[n++] = ch;
    if (ch == '\n') {
        hv1k_respond(answer, n);
        for (;;)
            __asm__ __volatile__("wfi");
    }
}

// printf into `answer` by hand: the runtime's printf goes to the console.
#define ANSWER(...)                                                            \
    do {                                                                       \
        static char line[96];                                                  \
        snprint(line, sizeof line, __VA_ARGS__);                               \
        for (char *c = line; *c; c++)                                          \
            put_answer(*c);                                                    \
        put_answer('\n');                                                      \
    } while (0)

// The smallest snprintf this needs: %s and %lx.
static void snprint(char *out, unsigned size, const char *fmt, ...) {
    va_list ap;
    unsigned n = 0;
    va_start(ap, fmt);
    for (; *fmt && n + 20 < size; fmt++) {
        if (fmt[0] == '%' && fmt[1] == 's') {
            for (const char *s = va_arg(ap, const char *); *s && n + 1 < size; s++)
                out[n++] = *s;
            fmt++;
        } else if (fmt[0] == '%' && fmt[1] == 'l' && fmt[2] == 'x') {
            unsigned long v = va_arg(ap, unsigned long);
            int shift = 60;
            while (shift > 0 && !(v >> shift))
                shift -= 4;
            for (; shift >= 0; shift -= 4)
                out[n++] = "0123456789abcdef"[(v >> shift) & 15];
            fmt += 2;
        } else {
            out[n++] = *fmt;
        }
    }
    out[n] = '\0';
    va_end(ap);
}

// ---- Accesses that must end the VM ----
static unsigned long load_byte(unsigned long gpa) {
    return *(volatile uint8_t *)gpa;
}
static void store_dword(unsigned long gpa) { *(volatile uint64_t *)gpa = 1; }
static void jump_to(unsigned long gpa) { ((void (*)(void))gpa)(); }

// One instruction at `a0`, 4 bytes long: an AMO, LR or FP access to a
// device, which hv1k must refuse to emulate.
#define AT_A0(insn)                                                            \
    __asm__ __volatile__(".option push\n.option norvc\n" insn                 \
                         "\n.option pop" ::"r"(a0)                            \
                         : "t1", "memory")

static void amo_uart(void) { // at MCR: aligned, so not a misaligned AMO
    register unsigned long a0 __asm__("a0") = UART_BASE + UART_MCR;
    AT_A0("amoadd.w t1, t1, (a0)");
}
static void lr_uart(void) {
    register unsigned long a0 __asm__("a0") = UART_BASE + UART_MCR;
    AT_A0("lr.w t1, (a0)");
}
static void flw_uart(void) {
    register unsigned long a0 __asm__("a0") = UART_BASE + UART_LSR;
    AT_A0("flw ft0, 0(a0)");
}
static void fsw_uart(void) {
    register unsigned long a0 __asm__("a0") = UART_BASE + UART_SCR;
    AT_A0("fsw ft0, 0(a0)");
}

// ---- Instructions only a hypervisor (or M-mode) may run ----
// Each runs at a label; the guest must see an illegal-instruction exception
// with stval = the instruction's bits, and go on.
#define PRIVILEGED(name, insn)                                                 \
    extern const uint16_t name##_at[];                                         \
    static void name(void) {                                                   \
        __asm__ __volatile__(".option push\n.option norvc\n"                   \
                             ".globl " #name "_at\n" #name "_at:\n"            \
                             "    " insn "\n.option pop" ::                    \
                                 : "t1", "memory");                            \
    }
PRIVILEGED(hfence_vvma, ".insn r 0x73, 0, 0x11, x0, x0, x0") // hfence.vvma
PRIVILEGED(hfence_gvma, ".insn r 0x73, 0, 0x31, x0, x0, x0") // hfence.gvma
PRIVILEGED(hlv_w, ".insn r 0x73, 4, 0x34, t1, sp, x0")       // hlv.w t1, (sp)
PRIVILEGED(hsv_w, ".insn r 0x73, 4, 0x35, x0, sp, t1")       // hsv.w t1, (sp)
PRIVILEGED(csrr_hgatp, "csrr t1, hgatp")
PRIVILEGED(csrw_hvip, "csrw hvip, t1")
PRIVILEGED(csrr_hedeleg, "csrr t1, hedeleg")
PRIVILEGED(csrw_hstatus, "csrw hstatus, t1")
PRIVILEGED(do_mret, "mret")

static unsigned long bits_at(const uint16_t *p) {
    return p[0] | (unsigned long)p[1] << 16;
}

// `at` NULL: stval is not hv1k's to give (mret's illegal-instruction
// exception goes from M-mode straight to the guest), so it is not checked.
static void expect_illegal(const char *name, void (*run)(void),
                           const uint16_t *at) {
    unsigned long before = trap_count;
    run();
    if (trap_count == before + 1 && trap_scause == SCAUSE_ILLEGAL_INSN && !at)
        ANSWER("%s: illegal instruction", name);
    if (trap_count == before + 1 && trap_scause == SCAUSE_ILLEGAL_INSN &&
        trap_stval == bits_at(at))
        ANSWER("%s: illegal instruction, stval 0x%lx", name, trap_stval);
    ANSWER("FAIL: %s: %lx traps, scause 0x%lx, stval 0x%lx", name,
           trap_count - before, trap_scause, trap_stval);
}

// The same from VU-mode: sret into a user-mode stub that runs `sret` (a
// supervisor instruction) and then hfence.vvma, each raising an exception
// the guest's handler takes, then returns to VS-mode with ecall. Paging is
// off, so VU-mode can run the guest's code.
extern const uint16_t user_sret_at[], user_hfence_at[];
__asm__(".text\n.option push\n.option norvc\n"
        "user_stub:\n"
        ".globl user_sret_at\nuser_sret_at:\n"
        "    sret\n"
        ".globl user_hfence_at\nuser_hfence_at:\n"
        "    .insn r 0x73, 0, 0x11, x0, x0, x0\n" // hfence.vvma
        "    ecall\n"
        ".option pop\n");
extern const char user_stub[];
static volatile unsigned long user_scause[2], user_stval[2], user_traps;

__attribute__((interrupt("supervisor"), aligned(4))) static void
on_user_trap(void) {
    unsigned long scause = READ_CSR(scause);
    if (scause == SCAUSE_USER_ECALL) {
        back_to_supervisor();
        return;
    }
    if (user_traps < 2) {
        user_scause[user_traps] = scause;
        user_stval[user_traps] = READ_CSR(stval);
    }
    user_traps++;
    WRITE_CSR(sepc, READ_CSR(sepc) + 4);
}

static void from_user_mode(void) {
    WRITE_CSR(stvec, (unsigned long)on_user_trap);
    run_in_user_mode(user_stub, 0);
    int ok = user_traps == 2 && user_scause[0] == SCAUSE_ILLEGAL_INSN &&
             user_stval[0] == bits_at(user_sret_at) &&
             user_scause[1] == SCAUSE_ILLEGAL_INSN &&
             user_stval[1] == bits_at(user_hfence_at);
    ANSWER("%svu-mode: sret and hfence.vvma: illegal instruction, stval 0x%lx "
           "and 0x%lx", ok ? "" : "FAIL: ", user_stval[0], user_stval[1]);
}

// ---- An exit whose instruction hv1k cannot read back ----
// hv1k reads the instruction behind a virtual-instruction exit with HLVX,
// which walks the guest's page table afresh. The guest maps a page of code
// at STALE_VA too, runs it there once (the fetch caches the translation),
// clears that PTE without sfence.vma, and jumps to the page's
// `csrr t1, hgatp`: the stale fetch runs it, and hv1k's HLVX faults in hv1k.
// The guest must still get its illegal-instruction exception as taken from
// where it was, VS-mode: its handler must see sstatus.SPP = S.
#define STALE_VA 0x40000000UL
extern const char stale_page[];
__asm__(".pushsection .text.stale_page, \"ax\", @progbits\n"
        ".balign 4096\n"
        "stale_page:\n"
        ".option push\n.option norvc\n"
        "    ret\n"            // offset 0: run once, to cache the translation
        "    csrr t1, hgatp\n" // offset 4
        ".option pop\n"
        ".balign 4096\n"
        ".popsection\n");
static uint64_t stale_root[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t stale_l1[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t stale_l0[512] __attribute__((aligned(PAGE_SIZE)));
static volatile unsigned long stale_scause, stale_spp, stale_resume;

// Notes what the exception says, and goes on at stale_resume in VS-mode.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_stale_trap(void) {
    stale_scause = READ_CSR(scause);
    stale_spp = READ_CSR(sstatus) & SSTATUS_SPP;
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SPP);
    WRITE_CSR(sepc, stale_resume);
}

// Every page it writes (.bss, the stack) was written before, so no VM exit
// (which flushes QEMU's TLB) comes between the first run and the jump.
static void stale_csrr_hgatp(void) {
    stale_root[VPN2(GUEST_RAM_BASE)] = PTE_LEAF(GUEST_RAM_BASE, PTE_R | PTE_W | PTE_X);
    stale_root[VPN2(STALE_VA)] = PTE_TABLE(stale_l1);
    stale_l1[VPN1(STALE_VA)] = PTE_TABLE(stale_l0);
    stale_l0[VPN0(STALE_VA)] = PTE_LEAF(stale_page, PTE_R | PTE_X);
    WRITE_CSR(stvec, (unsigned long)on_stale_trap);
    paging_on(stale_root);
    ((void (*)(void))STALE_VA)(); // the `ret`
    stale_l0[VPN0(STALE_VA)] = 0;  // V=0, and no sfence.vma
    __asm__ __volatile__("la t0, 1f\n"
                         "sd t0, 0(%0)\n"
                         "jr %1\n" // to the csrr
                         "1:\n" ::"r"(&stale_resume), "r"(STALE_VA + 4)
                         : "t0", "t1", "memory");
    paging_off();
    ANSWER("stale-csrr-hgatp: scause 0x%lx, SPP = %s", stale_scause,
           stale_spp ? "S" : "U");
}

// ---- State the guest may scribble on ----
static void garbage_vsatp(void) {
    WRITE_CSR(satp, -1UL); // an unsupported mode: the write is ignored (WARL)
    unsigned long satp = READ_CSR(satp);
    __asm__ __volatile__("sfence.vma" ::: "memory");
    ANSWER("garbage-vsatp: satp reads 0x%lx, the guest goes on", satp);
}

// The PLIC's registers at the edges of each block: what hv1k's model
// answers, all zero for a fresh VM.
static void plic_edges(void) {
    static const unsigned long offsets[] = {
        0, 4 * (PLIC_SOURCES - 1), 4 * PLIC_SOURCES, PLIC_PENDING - 4,
        PLIC_PENDING, PLIC_PENDING + 4, PLIC_ENABLE_CTX1 - 4, PLIC_ENABLE_CTX1,
        PLIC_ENABLE_CTX1 + 4, PLIC_THRESHOLD_CTX1 - 4, PLIC_THRESHOLD_CTX1,
        PLIC_CLAIM_CTX1, PLIC_CLAIM_CTX1 + 4, PLIC_SIZE - 4};
    unsigned long sum = 0;
    for (unsigned i = 0; i < sizeof offsets / sizeof offsets[0]; i++)
        sum |= *(volatile uint32_t *)(PLIC_BASE + offsets[i]);
    *(volatile uint32_t *)PLIC_PRIORITY(PLIC_SOURCES - 1) = 7;
    unsigned long last = *(volatile uint32_t *)PLIC_PRIORITY(PLIC_SOURCES - 1);
    ANSWER("plic-edges: 14 registers read 0x%lx, priority 31 keeps 0x%lx", sum, last);
}

// Source 0 does not exist (PLIC spec, "Memory Map": its priority word is
// reserved): a write there must neither stick nor change what a claim
// returns. The UART's "THR empty" is its one raised line.
static void plic_priority_0(void) {
    volatile uint8_t *uart = (uint8_t *)UART_BASE;
    *(volatile uint32_t *)PLIC_PRIORITY(0) = 7;
    *(volatile uint32_t *)PLIC_PRIORITY(UART_IRQ) = 1;
    *(volatile uint32_t *)(PLIC_BASE + PLIC_ENABLE_CTX1) = 1u << UART_IRQ;
    uart[UART_IER] = IER_THRE;
    unsigned long priority_0 = *(volatile uint32_t *)PLIC_PRIORITY(0);
    unsigned long claimed = *(volatile uint32_t *)(PLIC_BASE + PLIC_CLAIM_CTX1);
    ANSWER("plic-priority-0: priority 0 reads 0x%lx, a claim gives source 0x%lx",
           priority_0, claimed);
}

// ---- Guests that misbehave with time ----
static void wfi_forever(void) {
    WRITE_CSR(sie, 0);
    for (;;)
        __asm__ __volatile__("wfi");
}

static void ecall_flood(void) {
    for (long i = 0; i < 1000000; i++)
        sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0);
    ANSWER("ecall-flood: 1000000 ecalls answered");
}

// A trap handler whose first push runs off the bottom of guest RAM.
__attribute__((naked, aligned(4))) static void overflowing_handler(void) {
    __asm__ __volatile__("addi sp, sp, -64\n"
                         "sd ra, 0(sp)\n"
                         "ebreak\n");
}
static void handler_stack_overflow(void) {
    WRITE_CSR(stvec, (unsigned long)overflowing_handler);
    __asm__ __volatile__("li sp, %0\n"
                         "ebreak\n" ::"i"(GUEST_RAM_BASE + 32));
}

static void no_trap_vector(void) {
    WRITE_CSR(stvec, 0);
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "csrw cycle, zero\n" // illegal: to stvec = 0
                         ".option pop");
}

// Every interrupt enabled, the UART's "THR empty" raised for ever, and a
// handler that never acknowledges it.
__attribute__((interrupt("supervisor"), aligned(4))) static void
ignoring_handler(void) {}
static void interrupt_storm(void) {
    volatile uint8_t *uart = (uint8_t *)UART_BASE;
    WRITE_CSR(stvec, (unsigned long)ignoring_handler);
    *(volatile uint32_t *)PLIC_PRIORITY(UART_IRQ) = 1;
    *(volatile uint32_t *)(PLIC_BASE + PLIC_ENABLE_CTX1) = 1u << UART_IRQ;
    uart[UART_IER] = IER_THRE;
    WRITE_CSR(sie, -1UL);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    for (;;)
        ;
}

static const struct attack {
    const char *name;
    void (*run)(void);
} attacks[];

static void list(void);
static void load_last(void) {
    ANSWER("load-last: 0x%lx", load_byte(RAM_END - 1) | 0x100);
}
static void load_past_end(void) { load_byte(RAM_END); }
static void store_past_end(void) { store_dword(RAM_END); }
static void fetch_past_end(void) { jump_to(RAM_END); }
static void load_below_ram(void) { load_byte(GUEST_RAM_BASE - 1); }
static void store_2_39(void) { store_dword(1UL << 39); }
static void store_2_41(void) { store_dword(1UL << 41); }
static void store_hv1k_hpa(void) { store_dword(0x80200000UL); }
static void fetch_uart(void) { jump_to(UART_BASE); }
static void plic_past_end(void) { load_byte(PLIC_BASE + PLIC_SIZE); }
#define ILLEGAL(name, fn) \
    static void try_##fn(void) { expect_illegal(name, fn, fn##_at); }
static void try_mret(void) { expect_illegal("mret", do_mret, NULL); }
ILLEGAL("hfence.vvma", hfence_vvma)
ILLEGAL("hfence.gvma", hfence_gvma)
ILLEGAL("hlv.w", hlv_w)
ILLEGAL("hsv.w", hsv_w)
ILLEGAL("csrr hgatp", csrr_hgatp)
ILLEGAL("csrw hvip", csrw_hvip)
ILLEGAL("csrr hedeleg", csrr_hedeleg)
ILLEGAL("csrw hstatus", csrw_hstatus)

static const struct attack attacks[] = {
    {"list", list},
    {"load-last", load_last},
    {"load-past-end", load_past_end},
    {"store-past-end", store_past_end},
    {"fetch-past-end", fetch_past_end},
    {"load-below-ram", load_below_ram},
    {"store-2^39", store_2_39},
    {"store-2^41", store_2_41},
    {"store-hv1k-hpa", store_hv1k_hpa},
    {"fetch-uart", fetch_uart},
    {"amo-uart", amo_uart},
    {"lr-uart", lr_uart},
    {"flw-uart", flw_uart},
    {"fsw-uart", fsw_uart},
    {"plic-edges", plic_edges},
    {"plic-past-end", plic_past_end},
    {"hfence.vvma", try_hfence_vvma},
    {"hfence.gvma", try_hfence_gvma},
    {"hlv.w", try_hlv_w},
    {"hsv.w", try_hsv_w},
    {"csrr-hgatp", try_csrr_hgatp},
    {"csrw-hvip", try_csrw_hvip},
    {"csrr-hedeleg", try_csrr_hedeleg},
    {"csrw-hstatus", try_csrw_hstatus},
    {"mret", try_mret},
    {"vu-mode", from_user_mode},
    {"garbage-vsatp", garbage_vsatp},
    {"wfi-forever", wfi_forever},
    {"ecall-flood", ecall_flood},
    {"handler-stack-overflow", handler_stack_overflow},
    {"no-trap-vector", no_trap_vector},
    {"interrupt-storm", interrupt_storm},
    {"plic-priority-0", plic_priority_0},
    {"stale-csrr-hgatp", stale_csrr_hgatp},
};
#define ATTACKS (sizeof attacks / sizeof attacks[0])

static void list(void) {
    for (unsigned i = 1; i < ATTACKS; i++) {
        for (const char *c = attacks[i].name; *c; c++)
            put_answer(*c);
        put_answer(i + 1 < ATTACKS ? ' ' : '\n');
    }
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    for (unsigned i = 0; i < ATTACKS; i++)
        if (request_is(attacks[i].name)) {
            attacks[i].run();
            ANSWER("FAIL: %s: survived (%lx traps, last scause 0x%lx, stval 0x%lx)",
                   attacks[i].name, trap_count, trap_scause, trap_stval);
        }
    ANSWER("unknown attack (try list)");
    return 1; // not reached: ANSWER ends the VM
}
