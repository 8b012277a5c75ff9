// A compute-heavy --serve guest, for tests/bench.sh's rows about --harts:
// each request costs about 20 ms of work (a hash over the request, mixed
// WORK times), and the answer is the hash in hex, so that a request's
// answer depends on all of the work and the same request always gets the
// same answer.
#include "../../guest/guest.h"

#define WORK 2000000

int main(void) {
    const unsigned char *request = (const unsigned char *)boot_a0;
    uint64_t h = 1469598103934665603UL; // FNV-1a, again and again
    for (long round = 0; round < WORK; round++)
        h = (h ^ request[round % boot_a1]) * 1099511628211UL;
    char answer[17];
    for (int i = 0; i < 16; i++)
        answer[i] = "0123456789abcdef"[(h >> (60 - 4 * i)) & 15];
    answer[16] = '\n';
    hv1k_respond(answer, sizeof answer);
    for (;;)
        __asm__ __volatile__("wfi");
}
