// Test guest: the SBI extensions about harts (SBI spec v2.0, chapters "Hart
// State Management Extension", "IPI Extension" and "RFENCE Extension") on
// hv1k's one-hart VM.
//
// It proves that:
// - HSM: hart 0 is STARTED, starting it again is SBI_ERR_ALREADY_AVAILABLE,
//   and hart 1 does not exist (SBI_ERR_INVALID_PARAM);
// - IPI: send_ipi to itself raises a supervisor software interrupt that the
//   guest takes in its own trap handler, exactly once per IPI, both with
//   hart_mask 1 and with hart_mask_base -1 ("all harts"); an IPI stays pending
//   while interrupts are off; an empty mask (base 0) sends nothing; a mask
//   naming the nonexistent hart 1, or a base that is no hart (even with an
//   empty mask: SBI spec, "Hart Mask Errors"), is SBI_ERR_INVALID_PARAM and
//   sends nothing;
// - RFENCE: remote_fence_i and remote_sfence_vma on hart 0 succeed, a mask
//   naming hart 1 or a base that is no hart is SBI_ERR_INVALID_PARAM, and
//   remote_hfence_gvma (for guests that run guests, which hv1k does not
//   offer) is SBI_ERR_NOT_SUPPORTED.
#include "../../guest/guest.h"

#define IRQ_S_SOFT 1               // the guest's own view: sip/sie bit 1, SSIP
#define SIP_SSIP (1UL << IRQ_S_SOFT)
#define SIE_SSIE (1UL << IRQ_S_SOFT)
#define ALL_HARTS -1L              // hart_mask_base -1: every hart, mask ignored
#define RFENCE_REMOTE_HFENCE_GVMA 4

static volatile int soft_interrupts; // supervisor software interrupts taken

// The guest's trap handler. hv1k delegates the VS-level software interrupt
// (hideleg), so an IPI arrives here as "supervisor software interrupt". The
// handler clears sip.SSIP, or the interrupt would be taken again at once.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long scause = READ_CSR(scause);
    if (scause != (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
        printf("FAIL: unexpected trap: scause 0x%lx, sepc 0x%lx\n", scause,
               READ_CSR(sepc));
        sbi_shutdown(1);
    }
    __asm__ __volatile__("csrc sip, %0" ::"r"(SIP_SSIP));
    soft_interrupts++;
}

// ---- HSM ----

static void test_hsm(void) {
    expect_ok(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0, 0, 0, 0),
              SBI_HSM_STATE_STARTED, "hart_get_status(0) -> STARTED (0)");
    expect_error(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 1, 0, 0, 0),
                 SBI_ERR_INVALID_PARAM,
                 "hart_get_status(1) -> SBI_ERR_INVALID_PARAM");
    // hart_start(hartid, start_addr, opaque): hart 0 runs this very code.
    expect_error(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, 0,
                          (long)GUEST_RAM_BASE, 0, 0),
                 SBI_ERR_ALREADY_AVAILABLE,
                 "hart_start(0) -> SBI_ERR_ALREADY_AVAILABLE");
    expect_error(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, 1,
                          (long)GUEST_RAM_BASE, 0, 0),
                 SBI_ERR_INVALID_PARAM, "hart_start(1) -> SBI_ERR_INVALID_PARAM");
}

// ---- IPI ----

static struct sbiret send_ipi(long hart_mask, long hart_mask_base) {
    return sbi_call(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0, 0);
}

static void interrupts_on(void) {
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
}

static void interrupts_off(void) {
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
}

// A pending, enabled interrupt is taken as soon as the guest runs again after
// the ecall. Waiting a whole millisecond more also catches an IPI that
// arrives twice, or one that arrives late.
static int soft_interrupts_after_a_while(void) {
    unsigned long until = read_time() + TIMEBASE_HZ / 1000;
    while (read_time() < until)
        ;
    return soft_interrupts;
}

static void test_ipi(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, SIE_SSIE);

    // With interrupts off the IPI must wait, pending in sip.SSIP.
    soft_interrupts = 0;
    expect_ok(send_ipi(1, 0), 0, "send_ipi(mask 1, base 0) -> 0");
    check_got((READ_CSR(sip) & SIP_SSIP) && soft_interrupts == 0,
              "the IPI is pending in sip.SSIP while sstatus.SIE is off",
              "sip 0x%lx, %d interrupts taken", READ_CSR(sip), soft_interrupts);
    interrupts_on();
    check_equal(soft_interrupts_after_a_while(), 1,
                "send_ipi to itself: the handler ran exactly once");
    check_got(!(READ_CSR(sip) & SIP_SSIP), "sip.SSIP is clear after the handler",
              "sip 0x%lx", READ_CSR(sip));

    // Interrupts on: the IPI is taken right after the ecall.
    soft_interrupts = 0;
    expect_ok(send_ipi(0, ALL_HARTS), 0, "send_ipi(mask 0, base -1) -> 0");
    check_equal(soft_interrupts_after_a_while(), 1,
                "send_ipi to all harts: the handler ran exactly once");

    soft_interrupts = 0;
    expect_ok(send_ipi(0, 0), 0, "send_ipi(empty mask) -> 0");
    expect_error(send_ipi(2, 0), SBI_ERR_INVALID_PARAM,
                 "send_ipi(mask 2, base 0): hart 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(send_ipi(1, 1), SBI_ERR_INVALID_PARAM,
                 "send_ipi(mask 1, base 1): hart 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(send_ipi(0, 7), SBI_ERR_INVALID_PARAM,
                 "send_ipi(mask 0, base 7): no hart 7 -> SBI_ERR_INVALID_PARAM");
    check_got(soft_interrupts_after_a_while() == 0 && !(READ_CSR(sip) & SIP_SSIP),
              "no interrupt from the empty or invalid masks",
              "%d interrupts, sip 0x%lx", soft_interrupts, READ_CSR(sip));
    interrupts_off();
}

// ---- RFENCE ----

static struct sbiret rfence(long fid, long hart_mask, long hart_mask_base,
                            long start_addr, long size) {
    return sbi_call(SBI_EXT_RFENCE, fid, hart_mask, hart_mask_base, start_addr,
                    size);
}

static void test_rfence(void) {
    expect_ok(rfence(SBI_RFENCE_FENCE_I, 1, 0, 0, 0), 0,
              "remote_fence_i(mask 1, base 0) -> 0");
    // start_addr 0 and size -1: the whole address space.
    expect_ok(rfence(SBI_RFENCE_SFENCE_VMA, 1, 0, 0, -1), 0,
              "remote_sfence_vma(mask 1, base 0, 0, -1) -> 0");
    expect_ok(rfence(SBI_RFENCE_SFENCE_VMA, 0, ALL_HARTS, 0, -1), 0,
              "remote_sfence_vma(all harts) -> 0");
    expect_error(rfence(SBI_RFENCE_SFENCE_VMA, 2, 0, 0, -1),
                 SBI_ERR_INVALID_PARAM,
                 "remote_sfence_vma(mask 2): hart 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(rfence(SBI_RFENCE_FENCE_I, 1, 1, 0, 0), SBI_ERR_INVALID_PARAM,
                 "remote_fence_i(mask 1, base 1): hart 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(rfence(SBI_RFENCE_FENCE_I, 0, 1, 0, 0), SBI_ERR_INVALID_PARAM,
                 "remote_fence_i(mask 0, base 1): no hart 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(rfence(RFENCE_REMOTE_HFENCE_GVMA, 1, 0, 0, -1),
                 SBI_ERR_NOT_SUPPORTED,
                 "remote_hfence_gvma (FID 4) -> SBI_ERR_NOT_SUPPORTED");
}

int main(void) {
    test_hsm();
    test_ipi();
    test_rfence();
    printf("hart: done\n");
    return 0;
}
