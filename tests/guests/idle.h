// idle.h: the whole of an idle guest, for several VMs at once: a VM that
// sleeps in wfi most of the time, waking on its own timer. A guest file
// defines IDLE_NAME (a string) and set_timer(when) (arms the guest's timer
// for `time` = when, -1 disarms it) and includes this file.
//
// IDLE_WAKEUPS times it asks for a timer interrupt IDLE_DELAY (100 ms, unless
// the file defines another) ahead
// and sleeps in wfi until its trap handler has seen it; the handler disarms
// the timer (set_timer(-1)) and notes `time`. It prints each deadline against
// the time it woke, then checks "ok: NAME: 5 wakeups, none early, each within
// 50 ms of its deadline". A hypervisor that traps wfi must let the VM sleep
// (or run another VM) and wake it on time, no earlier.
#include "../../guest/guest.h"

#define IDLE_WAKEUPS 5
#ifndef IDLE_DELAY
#define IDLE_DELAY (TIMEBASE_HZ / 10) // 100 ms
#endif
#define IDLE_SLACK (TIMEBASE_HZ / 20) // 50 ms: how late a wakeup may be

static void set_timer(unsigned long when);

static volatile int ticks;                          // timer interrupts seen
static volatile unsigned long bad_scause;           // any other trap
static unsigned long deadline[IDLE_WAKEUPS], woke[IDLE_WAKEUPS];

// The guest's trap handler: hv1k delegates the guest's timer interrupt
// (hideleg.VSTI), so it arrives here as "supervisor timer interrupt". An
// exception (say, stimecmp being an illegal instruction) ends the test.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long scause = READ_CSR(scause);
    if (!(scause & SCAUSE_INTERRUPT)) {
        printf("FAIL: unexpected exception: scause 0x%lx, sepc 0x%lx\n", scause,
               READ_CSR(sepc));
        sbi_shutdown(1);
    }
    set_timer(-1UL); // disarm, which also clears the interrupt
    if (scause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        bad_scause = scause;
        WRITE_CSR(sie, 0); // stop whatever it is; main reports it
        return;
    }
    ticks++;
}

// Sleeps in wfi until the handler has counted tick number `want`. sstatus.SIE
// is off around the check and the wfi, so that the interrupt cannot be taken
// between them (and then wfi sleep for ever): wfi wakes on an interrupt that
// sie enables whatever SIE says, and setting SIE again takes it.
static void sleep_until_tick(int want) {
    while (ticks < want && !bad_scause) {
        WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
        if (ticks < want)
            __asm__ __volatile__("wfi");
        WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    }
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER); // the guest's own STIE
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    int on_time = 1;
    for (int i = 0; i < IDLE_WAKEUPS && !bad_scause; i++) {
        deadline[i] = read_time() + IDLE_DELAY;
        set_timer(deadline[i]);
        sleep_until_tick(i + 1);
        woke[i] = read_time();
    }
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    if (bad_scause)
        printf("  unexpected trap: scause 0x%lx\n", bad_scause);
    for (int i = 0; i < ticks && i < IDLE_WAKEUPS; i++) {
        long late = (long)(woke[i] - deadline[i]);
        printf("  wakeup %d: deadline %lu, woke %lu (%ld us late)\n", i + 1,
               deadline[i], woke[i], late / (long)(TIMEBASE_HZ / 1000000));
        on_time &= late >= 0 && late <= (long)IDLE_SLACK;
    }
    check_got(ticks == IDLE_WAKEUPS && bad_scause == 0 && on_time,
              IDLE_NAME ": 5 wakeups, none early, each within 50 ms of its deadline",
              "%d wakeups, %s, scause 0x%lx", (int)ticks, on_time ? "on time" : "not on time",
              bad_scause);
    return 0;
}
