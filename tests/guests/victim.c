// Test guest for isolation between VMs: the victim. Run it beside the spies
// (spy_*.c): whatever they store, none of it may land in this VM's RAM.
//
// It fills all of its free RAM, from the end of its own image and stack
// (__stack_top) up to its device tree (a1 at entry, the last 64 KiB of RAM),
// with 64-bit words that each hold their own address XOR PATTERN, prints
// "victim: pattern written (N MiB)", busy-waits 1.5 s of `time` without a VM
// exit (the spies run meanwhile), checks every word, and prints
// "ok: victim: pattern unchanged" or "FAIL: victim: ..." with the first word
// that changed. It shuts down cleanly when nothing changed.
#include "../../guest/guest.h"

#define PATTERN 0x56494354494d2121UL // "VICTIM!!"
#define WAIT (TIMEBASE_HZ * 3 / 2)   // 1.5 s
#define DTB_SIZE (64UL << 10)        // run.sh puts the device tree here

extern char __stack_top[];

static uint64_t expected(const volatile uint64_t *p) {
    return (uint64_t)(unsigned long)p ^ PATTERN;
}

static void fill(volatile uint64_t *from, volatile uint64_t *to) {
    for (volatile uint64_t *p = from; p < to; p++)
        *p = expected(p);
}

// The first word from `from` that does not hold its pattern, or `to`.
static volatile uint64_t *first_changed(volatile uint64_t *from,
                                        volatile uint64_t *to) {
    for (volatile uint64_t *p = from; p < to; p++)
        if (*p != expected(p))
            return p;
    return to;
}

// Waits `duration` ticks of `time`: reading `time` is no VM exit.
static void busy_wait(unsigned long duration) {
    unsigned long until = read_time() + duration;
    while (read_time() < until)
        ;
}

int main(void) {
    unsigned long start = ((unsigned long)__stack_top + 7) & ~7UL;
    unsigned long end = boot_a1; // the device tree's guest physical address
    // a1 should be the device tree, 64 KiB-aligned and above the image.
    if (end <= start || end % DTB_SIZE != 0) {
        printf("FAIL: victim: a1 = 0x%lx is not a device tree above 0x%lx\n",
               end, start);
        return 1;
    }
    volatile uint64_t *from = (uint64_t *)start, *to = (uint64_t *)end;
    fill(from, to);
    printf("victim: pattern written (%lu MiB)\n", (end - start) >> 20);
    printf("  0x%lx - 0x%lx\n", start, end);
    busy_wait(WAIT);
    volatile uint64_t *bad = first_changed(from, to);
    if (bad != to) {
        printf("FAIL: victim: the word at 0x%lx is 0x%lx, not 0x%lx\n",
               (unsigned long)bad, (unsigned long)*bad, (unsigned long)expected(bad));
        return 1;
    }
    printf("ok: victim: pattern unchanged\n");
    return 0;
}
