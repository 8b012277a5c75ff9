// console_irq.c: typed input arrives as the guest's UART interrupt, and
// every byte of a long input arrives, in order. Run it with 6 lines typed
// after a while, one at a time (tests/stdin.sh lines), each "0123456789"
// 10 times and a newline: 606 bytes.
//
// 1. The guest enables the emulated UART's receive interrupt (IER.ERBFI,
//    PLIC source 10 at priority 1 for context 1, sie.SEIE) and waits, with
//    no exits, for its external interrupt: only hv1k's handling of its own
//    interrupt (the real UART's, for the typed bytes) can raise it. The
//    handler claims it, turns the UART's interrupt off and completes it.
// 2. It then reads the bytes with DBCN read, which takes whatever waits in
//    hv1k's 256-byte ring: 606 bytes pass through the ring, more than fit
//    in it (but never more than a line at a time), so an index that does
//    not wrap loses them.
#include "../../guest/guest.h"

#define LINE 101 // 100 digits and a newline
#define TOTAL (6 * LINE)
#define WAIT (5 * TIMEBASE_HZ) // for the first byte, and between bytes
#define SIE_SEIE (1UL << 9)
#define PLIC ((volatile uint32_t *)PLIC_BASE)

static volatile int uart_interrupts;
static volatile unsigned long bad_scause;

__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long scause = READ_CSR(scause);
    if (scause != (SCAUSE_INTERRUPT | 9)) { // a supervisor external interrupt
        bad_scause = scause;
        WRITE_CSR(sie, 0);
        return;
    }
    uint32_t source = PLIC[PLIC_CLAIM_CTX1 / 4];
    uart[UART_IER] = 0; // the bytes are for DBCN read
    PLIC[PLIC_CLAIM_CTX1 / 4] = source;
    uart_interrupts += source == UART_IRQ;
}

static char got[TOTAL];

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    PLIC[UART_IRQ] = 1; // priority
    PLIC[PLIC_ENABLE_CTX1 / 4] = 1u << UART_IRQ;
    PLIC[PLIC_THRESHOLD_CTX1 / 4] = 0;
    uart[UART_IER] = IER_RX;
    WRITE_CSR(sie, SIE_SEIE);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    printf("console_irq: waiting for a key\n");
    unsigned long give_up = read_time() + 3 * WAIT;
    while (!uart_interrupts && !bad_scause && read_time() < give_up)
        ; // no exits: only an interrupt ends the wait early
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    check_got(uart_interrupts == 1 && !bad_scause,
              "console_irq: the typed key came as the UART's interrupt",
              "%d interrupts in 15 s, other trap scause 0x%lx", uart_interrupts, bad_scause);
    long n = 0;
    give_up = read_time() + WAIT;
    while (n < TOTAL && read_time() < give_up) {
        struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, TOTAL - n, (long)(got + n), 0, 0);
        if (r.error)
            break;
        if (r.value > 0)
            give_up = read_time() + WAIT; // progress: wait again
        n += r.value;
    }
    long same = 0;
    while (same < n && got[same] == (same % LINE == LINE - 1 ? '\n' : '0' + same % LINE % 10))
        same++;
    check_got(n == TOTAL && same == TOTAL,
              "console_irq: all 606 bytes came through the ring, in order",
              "%ld bytes, the first %ld of them right", n, same);
    printf("console_irq: done\n");
    return 0;
}
