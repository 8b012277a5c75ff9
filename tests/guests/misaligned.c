// Test guest: misaligned accesses to the guest's own RAM, from VS-mode and
// from VU-mode, end as they would on a machine of the guest's own.
//
// OpenSBI emulates misaligned plain loads and stores in M-mode, so those
// just work. It does not emulate misaligned atomics (AMOs, LR/SC): it
// passes the exception on, to VS-mode if hedeleg says so. So the guest's
// own handler must get each of them (stval = the address, sepc at the
// instruction), and the VM goes on. A hypervisor that takes them as VM exits
// would end the VM instead. The cause is the CPU's, so the guest prints it:
// QEMU (7.2 and 10 alike) reports a misaligned AMO as a misaligned load (4),
// where the spec has "store/AMO address misaligned" (6) in mind.
#include "../../guest/guest.h"

static volatile unsigned long trap_count, trap_scause, trap_sepc, trap_stval;
static volatile unsigned long last_scause; // of any trap, ecalls included

// The guest's trap handler: remember the trap and skip the 4-byte
// instruction; an ecall from VU-mode goes back to VS-mode (run_in_user_mode).
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    last_scause = READ_CSR(scause);
    if (last_scause == SCAUSE_USER_ECALL) {
        back_to_supervisor();
        return;
    }
    trap_count++;
    trap_scause = last_scause;
    trap_sepc = READ_CSR(sepc);
    trap_stval = READ_CSR(stval);
    WRITE_CSR(sepc, trap_sepc + 4);
}

static uint64_t words[4] __attribute__((aligned(16)));

// One atomic at `addr`, at a label so the test knows its address. norvc:
// every instruction here is 4 bytes long, as the handler assumes.
#define ATOMIC(name, insn)                                                     \
    extern const char name[];                                                  \
    static void run_##name(unsigned long addr) {                               \
        register unsigned long a0 __asm__("a0") = addr;                        \
        __asm__ __volatile__(".option push\n.option norvc\n"                   \
                             ".globl " #name "\n" #name ":\n"                  \
                             "    " insn "\n"                                  \
                             ".option pop\n"                                   \
                             : "+r"(a0)                                        \
                             :                                                 \
                             : "t1", "memory");                                \
    }
ATOMIC(amo_insn, "amoadd.w t1, t1, (a0)")
ATOMIC(lr_insn, "lr.w t1, (a0)")

// Exactly one trap came, at `at` with stval `addr`: says so, with its cause.
static void expect(unsigned long before, const char *at, unsigned long addr,
                   const char *what) {
    int ok = trap_count == before + 1 && trap_sepc == (unsigned long)at &&
             trap_stval == addr;
    if (!ok)
        printf("  %lu traps: sepc 0x%lx stval 0x%lx; want one: sepc 0x%lx "
               "stval 0x%lx\n", trap_count - before, trap_sepc, trap_stval,
               (unsigned long)at, addr);
    printf("%s: %s: the guest's handler got scause %lu\n", ok ? "ok" : "FAIL",
           what, trap_scause);
    failures += !ok;
}

// The AMO again, from VU-mode: sret to a user-mode stub that runs it and
// comes back with ecall. Paging is off, so VU-mode reaches all guest RAM.
extern const char user_amo[];
__asm__(".text\n.option push\n.option norvc\n"
        "user_amo_entry:\n"
        ".globl user_amo\n"
        "user_amo:\n"
        "    amoadd.w t1, t1, (a0)\n"
        "    ecall\n"
        ".option pop\n");
extern const char user_amo_entry[];

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    unsigned long odd = (unsigned long)words + 1, before;

    // Plain misaligned loads and stores: OpenSBI emulates them.
    before = trap_count;
    *(volatile uint32_t *)(odd + 4) = 0x12345678;
    check(*(volatile uint32_t *)(odd + 4) == 0x12345678 && trap_count == before,
          "a misaligned sw then lw in own RAM works, with no trap");

    before = trap_count;
    run_amo_insn(odd);
    expect(before, amo_insn, odd, "VS-mode misaligned amoadd.w");
    before = trap_count;
    run_lr_insn(odd);
    expect(before, lr_insn, odd, "VS-mode misaligned lr.w");
    before = trap_count;
    run_in_user_mode(user_amo_entry, odd);
    expect(before, user_amo, odd, "VU-mode misaligned amoadd.w");
    printf("misaligned: done\n");
    return 0;
}
