// Test guest: the guest's timer through SBI TIME set_timer (SBI spec v2.0,
// chapter "Timer Extension"), on both of hv1k's timer paths. Run it twice:
// with the default options (Sstc: set_timer is one vstimecmp write) and with
// --no-sstc (hv1k arms its own timer through OpenSBI and, when it fires,
// raises the guest's timer interrupt in hvip.VSTIP: one "timer" VM exit per
// interrupt).
//
// It proves that:
// - set_timer answers SBI_SUCCESS;
// - three timer interrupts reach the guest's own trap handler, each asked
//   for ~10 ms ahead by the handler itself, none earlier than asked, and
//   set_timer(-1) disarms the timer;
// - with interrupts off (sstatus.SIE = 0) a due timer interrupt waits, and
//   arrives as soon as SIE is set;
// - a new set_timer clears a pending timer interrupt, as the spec asks: after
//   set_timer(now), a wait, and set_timer(-1), sip.STIP reads 0 and setting
//   SIE brings no interrupt. Without Sstc, hv1k raised hvip.VSTIP itself and
//   must lower it again on the next set_timer.
// With --no-sstc, the summary line shows "timer 5,": one exit for each of the
// three interrupts and for each of the two due-at-once ones.
#include "../../guest/guest.h"

#define TICKS 3
#define TICK (TIMEBASE_HZ / 100) // 10 ms
#define STIP (1UL << IRQ_S_TIMER) // in sie/sip: the guest's STIE/STIP

static volatile int ticks;
static volatile unsigned long asked_for[TICKS];  // set_timer's stime_value
static volatile unsigned long arrived_at[TICKS]; // `time` in the handler
static volatile unsigned long bad_scause;        // any other trap
static volatile long set_timer_error;            // first error from set_timer

// TIME set_timer(stime_value); remembers the first failure.
static void set_timer(unsigned long when) {
    struct sbiret ret = sbi_call(SBI_EXT_TIME, 0, (long)when, 0, 0, 0);
    if (ret.error && !set_timer_error)
        set_timer_error = ret.error;
}

// The guest's trap handler: hv1k delegates the guest's timer interrupt
// (hideleg.VSTI); it arrives as "supervisor timer interrupt".
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long now = read_time();
    unsigned long scause = READ_CSR(scause);
    if (scause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        bad_scause = scause;
        WRITE_CSR(sie, 0); // stop whatever it is; main reports it
        return;
    }
    if (ticks < TICKS)
        arrived_at[ticks] = now;
    if (++ticks > TICKS + 1) { // more than the test ever asks for:
        WRITE_CSR(sie, 0);     // a storm; stop it so main can report it
        return;
    }
    if (ticks < TICKS) { // re-arm, ~10 ms from now (the first three only)
        asked_for[ticks] = now + TICK;
        set_timer(asked_for[ticks]);
    } else {
        set_timer(-1UL); // disarm, which also clears this interrupt
    }
}

static void test_three_interrupts(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, STIP);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    asked_for[0] = read_time() + TICK;
    struct sbiret ret = sbi_call(SBI_EXT_TIME, 0, (long)asked_for[0], 0, 0, 0);
    check_got(ret.error == SBI_SUCCESS, "set_timer answers SBI_SUCCESS", "error %ld", ret.error);
    wait_for(&ticks, TICKS, TIMEBASE_HZ); // at most 1 s
    if (bad_scause)
        printf("  unexpected trap: scause 0x%lx\n", bad_scause);
    check_got(bad_scause == 0, "only the asked-for timer interrupts came", "scause 0x%lx",
              bad_scause);
    check_got(ticks == TICKS, "three timer interrupts through set_timer", "%d", ticks);
    check_ticks_on_time(asked_for, arrived_at, TICKS);
    check_got(set_timer_error == 0, "set_timer in the handler answers SBI_SUCCESS",
              "error %ld", set_timer_error);
    // The last set_timer(-1) disarmed it: 20 ms more bring nothing.
    unsigned long later = read_time() + 2 * TICK;
    while (read_time() < later)
        ;
    unsigned long stip = READ_CSR(sip) & STIP;
    check_got(ticks == TICKS && !stip && bad_scause == 0,
              "set_timer(-1) disarmed the timer (no 4th interrupt, sip.STIP 0)",
              "%d interrupts, sip.STIP %d, scause 0x%lx", ticks, !!stip, bad_scause);
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
}

// Waits `duration` ticks of `time` with interrupts as they are.
static void spin(unsigned long duration) {
    unsigned long until = read_time() + duration;
    while (read_time() < until)
        ;
}

// With sstatus.SIE = 0 a due timer interrupt stays pending and the handler
// does not run; it runs as soon as SIE is set. (Pending-ness is shown by
// taking the interrupt, not by reading sip: QEMU 7.2 reads the guest's
// sip.STIP as 0 even while it is pending.)
static void test_masked_interrupt_stays_pending(void) {
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    WRITE_CSR(sie, STIP); // enabled but masked by SIE: pending, not taken
    set_timer(read_time()); // due now
    spin(2 * TICK);
    check_got(ticks == TICKS, "with sstatus.SIE = 0 a due timer interrupt waits",
              "%d interrupts, expected %d", ticks, TICKS);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    wait_for(&ticks, TICKS + 1, TIMEBASE_HZ); // the handler disarms it
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    check_got(ticks == TICKS + 1, "setting sstatus.SIE delivers it at once",
              "%d interrupts, expected %d", ticks, TICKS + 1);
}

// A pending timer interrupt (due, masked by SIE = 0) must be cleared by the
// next set_timer: set_timer(-1), then SIE = 1 must bring no interrupt.
// Without Sstc this is hv1k's job: it raised hvip.VSTIP and must lower it.
static void test_set_timer_clears_pending(void) {
    WRITE_CSR(sie, STIP);
    set_timer(read_time()); // due now: pending from here on
    spin(2 * TICK);         // (without Sstc: hv1k's timer fires meanwhile)
    set_timer(-1UL);
    check_got(!(READ_CSR(sip) & STIP), "after set_timer(-1) sip.STIP reads 0", "1");
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    spin(2 * TICK);
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    check_got(ticks == TICKS + 1 && bad_scause == 0,
              "set_timer(-1) cleared the pending timer interrupt (none taken)",
              "%d interrupts, expected %d; scause 0x%lx", ticks, TICKS + 1, bad_scause);
    check_got(set_timer_error == 0, "every set_timer answered SBI_SUCCESS", "error %ld",
              set_timer_error);
    WRITE_CSR(sie, 0);
}

int main(void) {
    test_three_interrupts();
    test_masked_interrupt_stays_pending();
    test_set_timer_clears_pending();
    printf("timer_sbi: done\n");
    return 0;
}
