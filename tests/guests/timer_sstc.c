// Test guest: the guest's own timer with Sstc (the default: hv1k sets
// henvcfg.STCE and the device tree lists "sstc").
//
// It proves that:
// - the guest can program its timer by writing the `stimecmp` CSR directly
//   (from VS-mode that is vstimecmp), without any SBI call;
// - with sie.STIE and sstatus.SIE set, the timer interrupt reaches the
//   guest's own trap handler as "supervisor timer interrupt", three times,
//   each one no earlier than the time the guest asked for;
// - stimecmp = -1 disarms it: no fourth interrupt, and sip.STIP reads 0;
// - none of this is a VM exit: the run's summary line ("hv1k: vm exits:
//   ... timer 0, ...") shows no timer exit, which the test line in
//   tests/run.sh checks.
#include "../../guest/guest.h"

#define TICKS 3
#define TICK (TIMEBASE_HZ / 100) // 10 ms

static volatile int ticks;
static volatile unsigned long asked_for[TICKS]; // the stimecmp of each tick
static volatile unsigned long arrived_at[TICKS]; // `time` in the handler
static volatile unsigned long bad_scause;       // any other trap

// Sstc: the guest's timer compare register. Writing it also lowers a pending
// timer interrupt when the new value is in the future.
static void set_stimecmp(unsigned long when) { WRITE_CSR(stimecmp, when); }

// The guest's trap handler. hv1k delegates the guest's timer interrupt
// (hideleg.VSTI), so it arrives here straight from the hardware.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long now = read_time();
    unsigned long scause = READ_CSR(scause);
    if (scause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        bad_scause = scause;
        set_stimecmp(-1UL);
        WRITE_CSR(sie, 0); // stop whatever it is; main reports it
        return;
    }
    arrived_at[ticks] = now;
    ticks++;
    if (ticks < TICKS) { // re-arm, ~10 ms from now
        asked_for[ticks] = now + TICK;
        set_stimecmp(asked_for[ticks]);
    } else {
        set_stimecmp(-1UL); // disarm
    }
}

static void enable_timer_interrupt(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER); // the guest's own STIE
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
}

int main(void) {
    check_equal(READ_CSR(stimecmp), -1UL,
                "stimecmp starts disarmed (all ones), as hv1k left it");
    enable_timer_interrupt();
    asked_for[0] = read_time() + TICK;
    set_stimecmp(asked_for[0]);
    wait_for(&ticks, TICKS, TIMEBASE_HZ); // at most 1 s
    if (bad_scause)
        printf("  unexpected trap: scause 0x%lx\n", bad_scause);
    check_got(bad_scause == 0, "only timer interrupts reached the handler",
              "scause 0x%lx", bad_scause);
    check_got(ticks == TICKS, "three timer interrupts through stimecmp", "%d", ticks);
    check_ticks_on_time(asked_for, arrived_at, TICKS);
    // Disarmed: 20 ms more bring no fourth interrupt, and none is pending.
    unsigned long later = read_time() + 2 * TICK;
    while (read_time() < later)
        ;
    unsigned long stip = READ_CSR(sip) >> IRQ_S_TIMER & 1;
    check_got(ticks == TICKS && !stip,
              "stimecmp = -1 disarmed the timer (no 4th interrupt, sip.STIP 0)",
              "%d interrupts, sip.STIP %lu", ticks, stip);
    check_equal(READ_CSR(stimecmp), -1UL, "stimecmp reads back -1");
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    printf("timer_sstc: done\n");
    return 0;
}
