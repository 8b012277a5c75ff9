// Test guest for fairness between VMs (tests/several.sh fairness): a
// healthy VM that does a fixed amount of work in 20 rounds, prints a line
// after each, and at the end "steady: took N ms" of `time` for the whole.
// Beside a VM that floods hv1k (flood_*.c), it must take at most 1.5 times
// as long as alone: one VM's exits must not stall another VM's hart, and
// its lines must get out.
#include "../../guest/guest.h"

#define ROUNDS 20
#define WORK 40000000 // adds per round: about 50 ms alone, here

int main(void) {
    unsigned long start = read_time();
    for (int round = 1; round <= ROUNDS; round++) {
        unsigned long n = 0;
        for (long i = 0; i < WORK; i++)
            __asm__ __volatile__("addi %0, %0, 1" : "+r"(n));
        char line[] = "steady: round .. of 20\n"; // one DBCN write: one exit
        line[14] = (char)('0' + round / 10);
        line[15] = (char)('0' + round % 10);
        dbcn_puts(line);
    }
    printf("steady: took %lu ms\n", (read_time() - start) / (TIMEBASE_HZ / 1000));
    return 0;
}
