// Test guest for --timeout: after one line it loops forever without a single
// VM exit (no ecall, no MMIO, no wfi, no CSR that traps), so only hv1k's own
// timer can take the CPU back and only --timeout SECONDS can end it. Run
// beside other VMs, it also shows that one VM that never exits does not stop
// the others from running.
#include "../../guest/guest.h"

int main(void) {
    printf("spin: looping forever with no exits\n");
    for (;;)
        __asm__ __volatile__(""); // an empty loop the compiler must keep
}
