// Test guest: the guest's own exceptions reach the guest's own trap handler
// (stvec), which can handle them and go on.
//
// It proves that:
// - an illegal instruction (`csrw cycle, zero`: a write to a read-only CSR,
//   illegal on every RV64GC) arrives with scause 2 (illegal instruction),
//   sepc at the instruction and stval = its 32 bits, without a VM exit
//   (hedeleg; OpenSBI 1.1 keeps illegal instructions in M-mode and forwards
//   this one to VS-mode as hedeleg says);
// - a hypervisor CSR access from the guest (`csrr t0, hstatus`) raises a
//   virtual-instruction exception, which leaves the VM; hv1k hands it to
//   the guest as what a CPU without H raises: illegal instruction, scause 2,
//   sepc at the csrr, stval = its 32 bits, and sstatus SPP/SPIE/SIE set as a
//   real trap sets them (SPP = S, SPIE = the SIE before, SIE = 0); sret then
//   restores SIE. The summary line shows it as "virtual-insn 1";
// - a breakpoint (`ebreak`) arrives with scause 3 (breakpoint), sepc at
//   the ebreak and stval 0 or its address (the spec allows both);
// - after each, the handler's sepc += 4 resumes the guest after the
//   instruction, with t0 as it was (csrr hstatus did not write it);
// - with SIE = 0 before the trap, the handler sees SPIE = 0;
// - with a vectored stvec (mode 1) the exception still goes to its base;
// - from VU-mode, `csrr t0, hstatus` (a virtual-instruction exit too) reaches
//   the handler in VS-mode with SPP = U, and the handler's sret goes back to
//   VU-mode (whose ecall then brings the guest back to VS-mode).
// The summary line shows the four hv1k handed over as "virtual-insn 4".
#include "../../guest/guest.h"

// What the handler saw at the last trap.
static volatile unsigned long trap_count, trap_scause, trap_sepc, trap_stval,
    trap_sstatus;

// The guest's trap handler: remember the trap, and skip the instruction
// (every one this test raises is 4 bytes long); an ecall from VU-mode goes
// back to VS-mode (run_in_user_mode).
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    if (READ_CSR(scause) == SCAUSE_USER_ECALL) {
        back_to_supervisor();
        return;
    }
    trap_count++;
    trap_scause = READ_CSR(scause);
    trap_sepc = READ_CSR(sepc);
    trap_stval = READ_CSR(stval);
    trap_sstatus = READ_CSR(sstatus);
    WRITE_CSR(sepc, trap_sepc + 4);
}

// Each trapping instruction sits at a label, so the test knows its address
// and its bits. `.option norvc` keeps ebreak from becoming the 2-byte
// c.ebreak. t0 holds a canary around it and comes back as the result: the
// trapped instruction must not have changed it (csrr hstatus would write
// t0), and neither may the trap's way through hv1k.
#define CANARY 0x7e57ab1e5afec0deUL
#define TRAPPING(name, insn)                                                   \
    extern const uint16_t name[];                                              \
    __attribute__((noinline)) static unsigned long run_##name(void) {          \
        register unsigned long t0 __asm__("t0") = CANARY;                      \
        __asm__ __volatile__(".option push\n"                                  \
                             ".option norvc\n"                                 \
                             ".globl " #name "\n" #name ":\n"                  \
                             "    " insn "\n"                                  \
                             ".option pop\n"                                   \
                             : "+r"(t0)                                        \
                             :                                                 \
                             : "memory");                                      \
        return t0;                                                             \
    }
TRAPPING(illegal_insn, "csrw cycle, zero")
TRAPPING(hypervisor_csr, "csrr t0, hstatus")
TRAPPING(breakpoint, "ebreak")

// The 32 bits of the instruction at `p`, read as two halves: with the C
// extension an instruction is only 2-byte aligned.
static unsigned long insn_bits(const uint16_t *p) {
    return p[0] | (unsigned long)p[1] << 16;
}

struct expected_trap {
    unsigned long scause, sepc, stval;
};

static void expect_trap(unsigned long count_before, struct expected_trap want,
                        const char *what) {
    int ok = trap_count == count_before + 1 && trap_scause == want.scause &&
             trap_sepc == want.sepc && trap_stval == want.stval;
    check_got(ok, what, "%lu traps, scause 0x%lx sepc 0x%lx stval 0x%lx; expected one, "
              "scause 0x%lx sepc 0x%lx stval 0x%lx", trap_count - count_before,
              trap_scause, trap_sepc, trap_stval, want.scause, want.sepc, want.stval);
}

static void test_illegal_instruction(void) {
    unsigned long before = trap_count;
    check_equal(run_illegal_insn(), CANARY, "csrw cycle: t0 untouched");
    expect_trap(before,
                (struct expected_trap){SCAUSE_ILLEGAL_INSN,
                                       (unsigned long)illegal_insn,
                                       insn_bits(illegal_insn)},
                "csrw cycle: illegal instruction, sepc and stval = its bits");
}

static void test_hypervisor_csr(void) {
    unsigned long before = trap_count;
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE); // sie = 0: no irqs
    unsigned long t0 = run_hypervisor_csr();
    unsigned long sstatus_after = READ_CSR(sstatus);
    WRITE_CSR(sstatus, sstatus_after & ~SSTATUS_SIE);
    expect_trap(before,
                (struct expected_trap){SCAUSE_ILLEGAL_INSN,
                                       (unsigned long)hypervisor_csr,
                                       insn_bits(hypervisor_csr)},
                "csrr hstatus: illegal instruction, sepc and stval = its bits");
    unsigned long status = trap_sstatus & (SSTATUS_SPP | SSTATUS_SPIE |
                                           SSTATUS_SIE);
    check_got(status == (SSTATUS_SPP | SSTATUS_SPIE),
              "csrr hstatus: in the handler SPP = S, SPIE = 1, SIE = 0",
              "SPP %lu, SPIE %lu, SIE %lu (sstatus 0x%lx)", status >> 8 & 1, status >> 5 & 1,
              status >> 1 & 1, trap_sstatus);
    check_got(sstatus_after & SSTATUS_SIE, "csrr hstatus: sret restored SIE = 1",
              "sstatus 0x%lx", sstatus_after);
    check_equal(t0, CANARY, "csrr hstatus: t0 untouched (the csrr did not run)");
}

// The same with SIE = 0 before the trap: SPIE = 0 in the handler.
static void test_hypervisor_csr_sie_off(void) {
    unsigned long before = trap_count;
    run_hypervisor_csr();
    expect_trap(before,
                (struct expected_trap){SCAUSE_ILLEGAL_INSN, (unsigned long)hypervisor_csr,
                                       insn_bits(hypervisor_csr)},
                "csrr hstatus with SIE = 0: illegal instruction");
    unsigned long status = trap_sstatus & (SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
    check_got(status == SSTATUS_SPP, "csrr hstatus with SIE = 0: in the handler SPIE = 0",
              "SPP %lu, SPIE %lu, SIE %lu (sstatus 0x%lx)", status >> 8 & 1, status >> 5 & 1,
              status >> 1 & 1, trap_sstatus);
}

// A vectored stvec (mode 1) sends interrupts to base + 4 * cause, and every
// exception to the base.
static void test_vectored_stvec(void) {
    unsigned long before = trap_count;
    WRITE_CSR(stvec, (unsigned long)on_trap | 1);
    run_hypervisor_csr();
    WRITE_CSR(stvec, (unsigned long)on_trap);
    expect_trap(before,
                (struct expected_trap){SCAUSE_ILLEGAL_INSN, (unsigned long)hypervisor_csr,
                                       insn_bits(hypervisor_csr)},
                "csrr hstatus with a vectored stvec: the handler at its base ran");
}

// From VU-mode: sret into a user-mode stub that runs `csrr t0, hstatus` (a
// hypervisor CSR, so a virtual-instruction exit), then ecall back
// to VS-mode. Paging is off, so VU-mode can run the guest's code.
extern const uint16_t user_csrr[];
__asm__(".text\n.option push\n.option norvc\n"
        "user_stub:\n"
        ".globl user_csrr\nuser_csrr:\n"
        "    csrr t0, hstatus\n" // a hypervisor CSR
        "    ecall\n"
        ".option pop\n");
extern const char user_stub[];

static void test_from_user_mode(void) {
    unsigned long before = trap_count;
    run_in_user_mode(user_stub, 0);
    expect_trap(before,
                (struct expected_trap){SCAUSE_ILLEGAL_INSN, (unsigned long)user_csrr,
                                       insn_bits(user_csrr)},
                "csrr hstatus in VU-mode: illegal instruction, sepc and stval = its bits");
    check_got(!(trap_sstatus & SSTATUS_SPP), "csrr hstatus in VU-mode: in the handler SPP = U",
              "sstatus 0x%lx", trap_sstatus);
}

static void test_breakpoint(void) {
    unsigned long before = trap_count;
    check_equal(run_breakpoint(), CANARY, "ebreak: t0 untouched");
    // stval for a breakpoint is 0 or the faulting address (privileged spec,
    // "stval"): QEMU 7.2 writes 0, QEMU 10 the address. Both are right.
    unsigned long stval = trap_stval == 0 ? 0 : (unsigned long)breakpoint;
    expect_trap(before,
                (struct expected_trap){SCAUSE_BREAKPOINT,
                                       (unsigned long)breakpoint, stval},
                "ebreak: breakpoint, sepc at it, stval 0 or its address");
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    printf("traps: csrw cycle is 0x%lx, csrr hstatus 0x%lx, ebreak 0x%lx\n",
           insn_bits(illegal_insn), insn_bits(hypervisor_csr),
           insn_bits(breakpoint));
    test_illegal_instruction();
    test_hypervisor_csr();
    test_breakpoint();
    test_hypervisor_csr_sie_off();
    test_vectored_stvec();
    test_from_user_mode();
    check_equal(trap_count, 6, "six traps in all, each handled once");
    printf("traps: done\n");
    return 0;
}
