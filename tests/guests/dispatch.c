// dispatch.c: proves that hv1k's catch block sends each kind of VM exit to
// a handler, none to "unexpected VM exit". Run it with --timeout and a key
// typed after a while (tests/stdin.sh slow), so that the exits come in this
// order:
//   1. an SBI call (scause 10), answered: the guest says so (the
//      guest-page faults, scause 20, 21 and 23, are other tests' business);
//   2. `csrr t0, hstatus`, a hypervisor CSR (scause 22, virtual
//      instruction), which hv1k hands back as illegal instruction;
//   3. a loop with no exits, where the key arrives as hv1k's own external
//      interrupt (scause: interrupt 9), and the time limit as its timer
//      interrupt (interrupt 5), which ends the VM.
// An interrupt's scause has bit 63 set: a case label without it matches an
// exception's code instead, and the interrupt ends the VM as unexpected.
// Past step 1 each handler may still be a stub of a later exercise: its
// TODO message ends the run, which still shows the exit was dispatched.
#include "../../guest/guest.h"

static volatile unsigned long trap_scause;

// The guest's own trap handler: remember the cause, skip the instruction.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    trap_scause = READ_CSR(scause);
    WRITE_CSR(sepc, READ_CSR(sepc) + 4);
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    printf("dispatch: an SBI call came back\n");
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "csrr t0, hstatus\n"
                         ".option pop\n" ::: "t0", "memory");
    check_equal(trap_scause, SCAUSE_ILLEGAL_INSN,
                "dispatch: csrr hstatus came back as illegal instruction");
    printf("dispatch: looping with no exits until a key and the time limit\n");
    for (;;)
        __asm__ __volatile__(""); // an empty loop the compiler must keep
}
