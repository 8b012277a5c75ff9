// timer_deadline.c: run with --no-sstc and --timeout 2. hv1k has one timer
// of its own for two deadlines, the guest's set_timer and the VM's time
// limit, and either may come first:
//   1. the guest asks for a tick in 0.2 s: it comes, before the time limit;
//   2. its handler then asks for one in 100 s, and the guest loops with no
//      exits: the time limit (2 s) comes first and must end the VM, though
//      the guest's deadline is far later.
#include "../../guest/guest.h"

#define SIE_STIE (1UL << IRQ_S_TIMER)

static volatile int ticks;
static volatile unsigned long bad_scause;

__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long scause = READ_CSR(scause);
    if (scause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        bad_scause = scause;
        WRITE_CSR(sie, 0);
        return;
    }
    ticks++;
    sbi_set_timer(read_time() + 100 * TIMEBASE_HZ); // far after the time limit
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, SIE_STIE);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    sbi_set_timer(read_time() + TIMEBASE_HZ / 5);
    wait_for(&ticks, 1, TIMEBASE_HZ);
    check_got(ticks == 1 && !bad_scause, "timer_deadline: the tick 0.2 s away came",
              "%d ticks in 1 s, other trap scause 0x%lx", ticks, bad_scause);
    printf("timer_deadline: the next tick is 100 s away; looping with no exits\n");
    for (;;)
        __asm__ __volatile__(""); // only the time limit can end this
}
