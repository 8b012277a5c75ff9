// tests/bench/bench.c: the benchmark guest of tests/bench.sh. One file
// runs in three places: natively (OpenSBI's S-mode payload), under hv1k,
// and under the floor program (tests/bench/floor.c). It is built once per
// benchmark with -DBENCH_<NAME> and -DCOUNT=<operations>, times the
// benchmark with its own `rdtime`, and prints one line:
//
//   bench NAME: COUNT ops in TICKS ticks (CHECK)
//
// Everything it prints goes through the legacy SBI putchar, which OpenSBI
// 1.1 has (it has no DBCN), and only after the timed part.
#include "../../common.h"

void putchar(char ch) { sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, ch, 0, 0, 0); }

extern char __bss[], __bss_end[], __stack_top[];

// ---- null: the SBI call that does least (get_spec_version) ----
unsigned long bench_null(unsigned long n) {
    unsigned long sum = 0;
    for (unsigned long i = 0; i < n; i++)
        sum += (unsigned long)sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION,
                                       0, 0, 0, 0).value;
    return sum;
}

// ---- mmio: reads of the UART's line status register ----
// A 4-byte `lbu a0, 5(reg)` (no compressed form), so that the floor's
// hot path can answer it knowing only that it writes a0.
unsigned long bench_mmio(unsigned long n) {
    unsigned long sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        register unsigned long a0 __asm__("a0");
        __asm__ __volatile__(".option push\n.option norvc\n"
                             "lbu a0, 5(%1)\n"
                             ".option pop"
                             : "=r"(a0)
                             : "r"(UART_BASE)
                             : "memory");
        sum += a0;
    }
    return sum;
}

// ---- compute: CRC-32 (IEEE) over a buffer, paging off ----
#define COMPUTE_BUFFER ((uint8_t *)0x81000000UL) // 16 MiB above guest RAM's start
static uint32_t crc_table[256];

unsigned long bench_compute(unsigned long n) {
    uint32_t crc = 0xffffffff;
    for (unsigned long i = 0; i < n; i++)
        crc = crc_table[(crc ^ COMPUTE_BUFFER[i]) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffff;
}

void compute_setup(unsigned long n) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    for (unsigned long i = 0; i < n; i++)
        COMPUTE_BUFFER[i] = (uint8_t)(i * 7 + (i >> 12));
}

// ---- memory: a TLB-heavy walk over 64 MiB with the guest's own Sv39 ----
// Identity-mapped 4 KiB pages: the guest's first 4 MiB (code, data, these
// tables) and the 64 MiB it walks. Each step touches another page, in an
// order that defeats QEMU's direct-mapped TLB, so every step is a page-table
// walk: through both stages under a hypervisor.
#define WALK_BASE 0x84000000UL
#define WALK_PAGES 16384UL // 64 MiB
#define SATP_SV39 (8UL << 60)
#define VPN2_OF(va) (((va) >> 30) & 0x1ff)
#define VPN1_OF(va) (((va) >> 21) & 0x1ff)
#define VPN0_OF(va) (((va) >> 12) & 0x1ff)
static uint64_t page_tables[2 + 34][512] __attribute__((aligned(4096)));

void map_4k(unsigned long va) {
    uint64_t *root = page_tables[0], *l1 = page_tables[1];
    static unsigned long next_table = 2;
    root[VPN2_OF(va)] = ((uint64_t)l1 >> 12) << 10 | PTE_V;
    if (!(l1[VPN1_OF(va)] & PTE_V))
        l1[VPN1_OF(va)] = ((uint64_t)page_tables[next_table++] >> 12) << 10 | PTE_V;
    uint64_t *l0 = (uint64_t *)((l1[VPN1_OF(va)] >> 10) << 12);
    l0[VPN0_OF(va)] = (va >> 12) << 10 | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V;
}

void memory_setup(void) {
    for (unsigned long va = 0x80000000UL; va < 0x80400000UL; va += 4096)
        map_4k(va);
    for (unsigned long p = 0; p < WALK_PAGES; p++)
        map_4k(WALK_BASE + p * 4096);
    WRITE_CSR(satp, SATP_SV39 | (unsigned long)page_tables[0] >> 12);
    __asm__ __volatile__("sfence.vma" ::: "memory");
    for (unsigned long p = 0; p < WALK_PAGES; p++) // first touch, untimed
        *(volatile uint64_t *)(WALK_BASE + p * 4096) = p;
}

unsigned long bench_memory(unsigned long n) {
    unsigned long sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        unsigned long page = (i * 4099) % WALK_PAGES; // a permutation per pass
        sum += *(volatile uint64_t *)(WALK_BASE + page * 4096 + (i / WALK_PAGES % 512) * 8);
    }
    return sum;
}

// ---- timer: interrupts from the guest's own stimecmp (Sstc) ----
// Each one is due at once: the handler counts it and sets the next one
// for "now", so the figure is the cost of taking a timer interrupt.
static volatile unsigned long ticks_taken, ticks_wanted;

__attribute__((interrupt("supervisor"), aligned(4))) static void timer_handler(void) {
    ticks_taken++;
    WRITE_CSR(stimecmp, ticks_taken < ticks_wanted ? READ_CSR(time) : -1UL);
}

unsigned long bench_timer(unsigned long n) {
    ticks_wanted = n;
    WRITE_CSR(stvec, (unsigned long)timer_handler);
    WRITE_CSR(stimecmp, READ_CSR(time));
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    while (ticks_taken < n)
        ;
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    return ticks_taken;
}

#if defined(BENCH_NULL)
#define NAME "null"
#define SETUP()
#define RUN bench_null
#elif defined(BENCH_MMIO)
#define NAME "mmio"
#define SETUP()
#define RUN bench_mmio
#elif defined(BENCH_COMPUTE)
#define NAME "compute"
#define SETUP() compute_setup(COUNT)
#define RUN bench_compute
#elif defined(BENCH_MEMORY)
#define NAME "memory"
#define SETUP() memory_setup()
#define RUN bench_memory
#elif defined(BENCH_TIMER)
#define NAME "timer"
#define SETUP()
#define RUN bench_timer
#else
#error "build with -DBENCH_NULL, _MMIO, _COMPUTE, _MEMORY or _TIMER"
#endif

void bench_main(void) {
    memset(__bss, 0, (size_t)(__bss_end - __bss));
    SETUP();
    unsigned long start = READ_CSR(time);
    unsigned long check = RUN(COUNT);
    unsigned long ticks = READ_CSR(time) - start;
    printf("bench %s: %lu ops in %lu ticks (%lx)\n", NAME, (unsigned long)COUNT,
           ticks, check);
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, SBI_SRST_NO_REASON, 0, 0);
    sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0);
    for (;;)
        __asm__ __volatile__("wfi");
}

__attribute__((naked, section(".text.start"))) void _start(void) {
    __asm__ __volatile__("la sp, __stack_top\n"
                         "j bench_main\n");
}
