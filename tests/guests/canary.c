// Test guest: the healthy VM beside fuzzed ones (tests/fuzz.sh
// --side-by-side runs it as VM 3 next to two tests/guests/fuzz.c guests,
// all with --mem 256K). For about a second it does real work and checks it
// itself, while hv1k serves the fuzzed VMs on the other harts:
// - rounds of CRC-32 over 16 KiB of pseudo-random bytes (a fresh xorshift
//   seed each round), once through a table and once bit by bit, which must
//   agree; both must give CRC-32("123456789") = 0xCBF43926;
// - a 32 KiB block written at the start must read back unchanged at the
//   end: no other VM's stores reach this VM's RAM;
// - each round reads its UART's LSR (an MMIO exit), every 200 ms it prints
//   a progress line (SBI exits), and a timer interrupt every 100 ms must
//   arrive (at least 5 in the second) through its trap handler.
// It ends with "canary: ok: N rounds, crc 0x..., M timer interrupts, memory
// intact" and a clean shutdown, or "canary: FAIL: ..." and a failure.
#include "../../guest/guest.h"

#define WORK_TIME TIMEBASE_HZ          // 1 s of rounds
#define PROGRESS (TIMEBASE_HZ / 5)     // a line every 200 ms
#define TICK (TIMEBASE_HZ / 10)        // a timer interrupt every 100 ms
#define DATA_BYTES (16 << 10)
#define BLOCK_WORDS ((32 << 10) / 8)

static uint32_t table[256];
static uint8_t data[DATA_BYTES];
static uint64_t block[BLOCK_WORDS];
static volatile int ticks, bad_traps;

static uint64_t xorshift(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit.
static uint32_t crc_bitwise(const uint8_t *p, unsigned long n) {
    uint32_t crc = 0xffffffff;
    for (unsigned long i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = crc >> 1 ^ (0xedb88320 & -(crc & 1));
    }
    return ~crc;
}

// The same through a table of the 256 byte values.
static uint32_t crc_table(const uint8_t *p, unsigned long n) {
    uint32_t crc = 0xffffffff;
    for (unsigned long i = 0; i < n; i++)
        crc = crc >> 8 ^ table[(crc ^ p[i]) & 0xff];
    return ~crc;
}

__attribute__((interrupt("supervisor"), aligned(4))) static void on_trap(void) {
    if (READ_CSR(scause) == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        ticks++;
        sbi_set_timer(read_time() + TICK);
    } else {
        bad_traps++;
        sbi_set_timer(-1UL);
        WRITE_CSR(sie, 0);
    }
}

static uint64_t block_word(unsigned long i) { return i * 0x9e3779b97f4a7c15UL ^ 0xca7a11; }

int main(void) {
    for (uint32_t i = 0; i < 256; i++) { // what 8 steps make of each byte
        uint32_t c = i;
        for (int b = 0; b < 8; b++)
            c = c & 1 ? c >> 1 ^ 0xedb88320 : c >> 1;
        table[i] = c;
    }
    for (unsigned long i = 0; i < BLOCK_WORDS; i++)
        block[i] = block_word(i);
    const uint8_t *check = (const uint8_t *)"123456789";
    int ok = crc_bitwise(check, 9) == 0xcbf43926 && crc_table(check, 9) == 0xcbf43926;
    printf("canary: CRC-32(\"123456789\") = 0x%x by table, 0x%x bit by bit\n",
           crc_table(check, 9), crc_bitwise(check, 9));

    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER);
    sbi_set_timer(read_time() + TICK);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);

    unsigned long started = read_time(), next_progress = started + PROGRESS, rounds = 0;
    uint32_t total = 0;
    while (ok && read_time() - started < WORK_TIME) {
        uint64_t x = rounds * 0x2545f4914f6cdd1dUL + 1;
        for (unsigned long i = 0; i < DATA_BYTES; i += 8) {
            uint64_t v = xorshift(&x);
            for (int k = 0; k < 8; k++)
                data[i + k] = (uint8_t)(v >> 8 * k);
        }
        uint32_t a = crc_table(data, DATA_BYTES), b = crc_bitwise(data, DATA_BYTES);
        if (a != b) {
            printf("canary: FAIL: round %lu: crc 0x%x by table, 0x%x bit by bit\n", rounds, a, b);
            ok = 0;
        }
        total = total * 31 + a;
        rounds++;
        uint8_t lsr = uart[UART_LSR];
        if (lsr != 0x60) { // transmitter empty, no input (VM 1 has it)
            printf("canary: FAIL: round %lu: LSR reads 0x%x, not 0x60\n", rounds, lsr);
            ok = 0;
        }
        if (read_time() >= next_progress) {
            printf("canary: %lu rounds, crc 0x%x\n", rounds, total);
            next_progress += PROGRESS;
        }
    }
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    sbi_set_timer(-1UL);

    unsigned long changed = 0;
    for (unsigned long i = 0; i < BLOCK_WORDS; i++)
        changed += block[i] != block_word(i);
    if (!ok || changed || ticks < 5 || bad_traps) {
        printf("canary: FAIL: %lu rounds, %lu words of 32 KiB changed, %d timer "
               "interrupts, %d other traps%s\n", rounds, changed, ticks, bad_traps,
               ok ? "" : ", a check above failed");
        return 1;
    }
    printf("canary: ok: %lu rounds, crc 0x%x, %d timer interrupts, memory intact\n",
           rounds, total, ticks);
    return 0;
}
