// Test guest for several VMs at once: a CPU-bound VM that reports how much
// work it got done. Run two of them side by side (./run.sh counter.c
// counter.c) and compare their "counter: final N": a fair scheduler gives
// them about the same N, and each one's count keeps growing every 0.2 s.
//
// It counts in a tight loop (no VM exit in it: `time` is read without one,
// hcounteren.TM) and, every 0.2 s of `time`, prints "counter: N" with N the
// thousands of iterations so far, as one DBCN write (one VM exit per line).
// 2.0 s after its first read of `time` it prints "counter: final N" and
// shuts down cleanly. `time` is wall-clock time, so while another VM runs
// this one's count stands still.
#include "../../guest/guest.h"

#define PERIOD (TIMEBASE_HZ / 5) // 0.2 s between reports
#define RUN_FOR (2 * TIMEBASE_HZ) // 2.0 s in all
#define BATCH 1000                // iterations between reads of `time`

// 1000 iterations of an add the compiler must keep (the asm is volatile).
static void count_batch(void) {
    unsigned long n = 0;
    for (int i = 0; i < BATCH; i++)
        __asm__ __volatile__("addi %0, %0, 1" : "+r"(n));
}

// Prints "counter: LABELN\n" in one DBCN write: one VM exit, where printf
// would make one per character.
static void report(const char *label, unsigned long thousands) {
    char line[64], digits[24];
    int len = 0, n = 0;
    for (const char *s = "counter: "; *s; s++)
        line[len++] = *s;
    for (; *label; label++)
        line[len++] = *label;
    do {
        digits[n++] = (char)('0' + thousands % 10);
        thousands /= 10;
    } while (thousands);
    while (n > 0)
        line[len++] = digits[--n];
    line[len++] = '\n';
    line[len] = '\0';
    dbcn_puts(line);
}

int main(void) {
    unsigned long start = read_time();
    unsigned long next_report = start + PERIOD, end = start + RUN_FOR;
    unsigned long thousands = 0;
    for (;;) {
        count_batch();
        thousands++;
        unsigned long now = read_time();
        if (now >= end)
            break;
        if (now >= next_report) {
            report("", thousands);
            while (next_report <= now) // skip the marks missed while descheduled
                next_report += PERIOD;
        }
    }
    report("final ", thousands);
    return 0;
}
