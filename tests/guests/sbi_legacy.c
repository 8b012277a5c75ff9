// Test guest: the legacy SBI v0.1 calls (SBI spec v2.0, chapter "Legacy
// Extensions"), which old kernels and tiny guests still use.
//
// It proves that:
// - console_putchar (EID 0x01) prints and returns 0 in a0;
// - a legacy call changes a0 only: a1-a7 come back exactly as the guest put
//   them (a new-style call would have overwritten a1 with sbiret.value);
// - console_getchar (EID 0x02) with nothing typed returns -1 in a0;
// - the legacy EIDs hv1k does not offer (0x03-0x07, and the reserved
//   0x09-0x0F) answer SBI_ERR_NOT_SUPPORTED in a0 and leave a1-a7 alone too;
// - no timer interrupt is pending before the guest asks for one;
// - set_timer (EID 0x00) delivers a supervisor timer interrupt to the guest's
//   own handler, not before the time asked for, and set_timer(-1) clears it;
// - shutdown (EID 0x08) ends the VM cleanly (QEMU exit status 0).
// It passes with and without --no-sstc (hv1k's two timer paths).
#include "../../guest/guest.h"

#define CANARY 0x5AFEC0DE00000000L // a1-a6 get CANARY + their number
#define SIP_STIP (1UL << IRQ_S_TIMER) // the guest's own view: sip/sie bit 5
#define SIE_STIE (1UL << IRQ_S_TIMER)

static volatile int timer_interrupts;
static volatile unsigned long timer_interrupt_time;

// The registers a legacy call returns: a0 is its answer, a1-a7 must be what
// the guest passed in.
struct legacy_regs {
    long a[8];
};

// A legacy call: EID in a7, one argument in a0, and a canary in each of
// a1-a6. The "+r" constraints make the compiler read all eight registers
// back after the ecall, so the test sees what the hypervisor left there.
static struct legacy_regs legacy_call(long eid, long arg0) {
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = CANARY + 1;
    register long a2 __asm__("a2") = CANARY + 2;
    register long a3 __asm__("a3") = CANARY + 3;
    register long a4 __asm__("a4") = CANARY + 4;
    register long a5 __asm__("a5") = CANARY + 5;
    register long a6 __asm__("a6") = CANARY + 6;
    register long a7 __asm__("a7") = eid;
    __asm__ __volatile__("ecall"
                         : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4),
                           "+r"(a5), "+r"(a6), "+r"(a7)
                         :
                         : "memory");
    return (struct legacy_regs){{a0, a1, a2, a3, a4, a5, a6, a7}};
}

// Checks that a1-a7 are unchanged; a failure names the first that is not.
static void check_preserved(const struct legacy_regs *r, long eid, const char *what) {
    int i = 1;
    while (i < 7 && r->a[i] == CANARY + i)
        i++;
    long want = i < 7 ? CANARY + i : eid;
    check_got(r->a[i] == want, what, "a%d = 0x%lx, expected 0x%lx", i, r->a[i], want);
}

static void test_console_putchar(void) {
    static const char text[] = "legacy: hello through console_putchar\n";
    struct legacy_regs r, bad_a0 = {{0}}, changed = {{0}};
    for (const char *p = text; *p; p++) {
        r = legacy_call(SBI_EXT_LEGACY_PUTCHAR, *p);
        if (r.a[0] != 0 && bad_a0.a[0] == 0)
            bad_a0 = r; // the first call that did not return 0
        for (int i = 1; i < 8 && changed.a[7] == 0; i++)
            if (r.a[i] != (i < 7 ? CANARY + i : SBI_EXT_LEGACY_PUTCHAR))
                changed = r; // the first call that changed a1-a7
    }
    check_equal(bad_a0.a[0], 0, "console_putchar returns 0 in a0");
    check_preserved(changed.a[7] ? &changed : &r, SBI_EXT_LEGACY_PUTCHAR,
                    "console_putchar preserves a1-a7");
}

static void test_console_getchar(void) {
    struct legacy_regs r = legacy_call(SBI_EXT_LEGACY_GETCHAR, 0);
    check_got(r.a[0] == -1, "console_getchar with nothing typed returns -1", "%ld",
              r.a[0]);
    check_preserved(&r, SBI_EXT_LEGACY_GETCHAR, "console_getchar preserves a1-a7");
}

// Every legacy EID but the four hv1k offers and shutdown: 0x03-0x07
// (clear_ipi, send_ipi and the remote fences) and the reserved 0x09-0x0F.
// They are still legacy calls: only a0 may change.
static void test_unoffered(void) {
    int all_unsupported = 1, all_preserved = 1;
    for (long eid = 0x03; eid <= 0x0F; eid++) {
        if (eid == SBI_EXT_LEGACY_SHUTDOWN)
            continue;
        struct legacy_regs r = legacy_call(eid, 0);
        if (r.a[0] != SBI_ERR_NOT_SUPPORTED)
            printf("  EID 0x%lx: a0 is %ld\n", eid, r.a[0]);
        all_unsupported &= r.a[0] == SBI_ERR_NOT_SUPPORTED;
        for (int i = 1; i < 7; i++)
            all_preserved &= r.a[i] == CANARY + i;
        all_preserved &= r.a[7] == eid;
    }
    check(all_unsupported, "legacy EIDs 0x03-0x07 and 0x09-0x0F -> SBI_ERR_NOT_SUPPORTED");
    check(all_preserved, "legacy EIDs 0x03-0x07 and 0x09-0x0F preserve a1-a7");
}

// The guest's trap handler: hv1k delegates the guest's timer interrupt
// (hideleg), which arrives here as "supervisor timer interrupt". set_timer
// with a time that never comes clears it, as the spec asks.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long scause = READ_CSR(scause);
    if (scause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
        printf("FAIL: unexpected trap: scause 0x%lx, sepc 0x%lx\n", scause,
               READ_CSR(sepc));
        sbi_shutdown(1);
    }
    timer_interrupt_time = read_time();
    legacy_call(SBI_EXT_LEGACY_SET_TIMER, -1L);
    // The test asks for one interrupt. A second one means set_timer(-1) did
    // not clear it: without this exit the guest would never leave here.
    if (++timer_interrupts > 1) {
        printf("FAIL: timer interrupt %d: set_timer(-1) did not clear it "
               "(sip 0x%lx)\n", timer_interrupts, READ_CSR(sip));
        sbi_shutdown(1);
    }
}

static void test_set_timer(void) {
    // No one has asked for a timer interrupt yet, so none may be pending.
    check_got(!(READ_CSR(sip) & SIP_STIP),
              "no timer interrupt is pending before the first set_timer", "sip 0x%lx",
              READ_CSR(sip));
    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, SIE_STIE);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    unsigned long deadline = read_time() + TIMEBASE_HZ / 100; // in 10 ms
    struct legacy_regs r = legacy_call(SBI_EXT_LEGACY_SET_TIMER, (long)deadline);
    check_equal(r.a[0], 0, "set_timer returns 0 in a0");
    check_preserved(&r, SBI_EXT_LEGACY_SET_TIMER, "set_timer preserves a1-a7");
    // Busy-wait (no wfi) so that a timer that never fires fails the check
    // after one second instead of hanging the test.
    while (timer_interrupts == 0 && read_time() < deadline + TIMEBASE_HZ)
        ;
    check_got(timer_interrupts == 1, "set_timer: one timer interrupt arrived", "%d",
              timer_interrupts);
    check_got(timer_interrupt_time >= deadline,
              "set_timer: the interrupt came no earlier than asked",
              "it at %lu, asked for %lu", timer_interrupt_time, deadline);
    // set_timer(-1) in the handler cleared it: no second interrupt.
    unsigned long later = read_time() + TIMEBASE_HZ / 100;
    while (read_time() < later)
        ;
    check_got(timer_interrupts == 1 && !(READ_CSR(sip) & SIP_STIP),
              "set_timer(-1) cleared the timer interrupt", "%d interrupts, sip 0x%lx",
              timer_interrupts, READ_CSR(sip));
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
}

int main(void) {
    test_console_putchar();
    test_console_getchar();
    test_unoffered();
    test_set_timer();
    if (failures)
        return 1; // shut down with "system failure"
    printf("legacy: shutting down through the legacy shutdown call\n");
    legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
    printf("FAIL: legacy shutdown returned\n");
    return 1;
}
