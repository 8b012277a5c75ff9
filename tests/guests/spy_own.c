// Test guest for isolation: the GPAs 0x80000000 - 0x82000000 are where
// OpenSBI, hv1k and its page tables live in host physical memory, but in a
// VM they are just the guest's own RAM. Stores there must go to the guest's
// RAM (and so cannot reach OpenSBI or hv1k), and read back what was stored.
//
// It writes a pattern (each 64-bit word: its address XOR PATTERN) from the
// first 4 KiB page above its own image and stack (__stack_top) up to
// 0x82000000, reads it all back, prints "ok: spy_own: wrote 0x... bytes at
// GPAs 0x... - 0x82000000 (hv1k's and OpenSBI's host addresses) and read
// them back", and shuts down cleanly. hv1k surviving it (and so printing its
// exit summary) shows that none of it landed in hv1k. Run it with at least
// 33 MiB of RAM (the default 64 MiB is fine).
#include "../../guest/guest.h"

#define PATTERN 0x53505930574e2121UL // "SPY0WN!!"
#define HOST_END 0x82000000UL        // GUEST_RAM_HPA: where guest RAM starts in the host

extern char __stack_top[];

static uint64_t expected(const volatile uint64_t *p) {
    return (uint64_t)(unsigned long)p ^ PATTERN;
}

int main(void) {
    // The next page above the image and its stack, which must stay intact.
    unsigned long start = ((unsigned long)__stack_top + PAGE_SIZE) & ~(PAGE_SIZE - 1);
    if (boot_a1 < HOST_END) { // a1: the device tree, in the last 64 KiB of RAM
        printf("FAIL: spy_own: RAM ends below 0x%lx (device tree at 0x%lx)\n",
               HOST_END, boot_a1);
        return 1;
    }
    volatile uint64_t *from = (uint64_t *)start, *to = (uint64_t *)HOST_END;
    for (volatile uint64_t *p = from; p < to; p++)
        *p = expected(p);
    for (volatile uint64_t *p = from; p < to; p++)
        if (*p != expected(p)) {
            printf("FAIL: spy_own: the word at 0x%lx reads 0x%lx, wrote 0x%lx\n",
                   (unsigned long)p, (unsigned long)*p, (unsigned long)expected(p));
            return 1;
        }
    printf("ok: spy_own: wrote 0x%lx bytes at GPAs 0x%lx - 0x%lx (hv1k's and "
           "OpenSBI's host addresses) and read them back\n",
           HOST_END - start, start, HOST_END);
    return 0;
}
