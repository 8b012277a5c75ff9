// The demo guest: it prints through both consoles, makes the try/catch
// hypercall, takes three timer interrupts, and shuts down.
#include "guest.h"

static volatile int ticks;

// The guest's own trap handler: hv1k delegates the timer interrupt to the
// guest (hideleg), so this runs without hv1k being involved.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    ticks++;
    printf("guest: timer interrupt %d\n", ticks);
    // Ask for the next one in 10 ms, or for none after the third.
    sbi_set_timer(ticks < 3 ? read_time() + TIMEBASE_HZ / 100 : -1UL);
}

int main(void) {
    dbcn_puts("guest: hello through SBI DBCN\n");
    uart_puts("guest: hello through the emulated UART\n");

    // The try/catch picture: the guest "throws" (ecall), hv1k catches it,
    // copies the file into our buffer, and resumes us with its length in a1.
    char buf[16];
    struct sbiret ret = sbi_call(SBI_EXT_HV1K, HV1K_READ_FILE, (long)"emoji.txt",
                                 9, (long)buf, sizeof buf - 1);
    if (ret.error)
        return 1;
    buf[ret.value] = '\0';
    printf("emoji.txt: %s\n", buf);

    WRITE_CSR(stvec, (unsigned long)on_trap);
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER); // in the guest: its own STIE
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SIE);
    sbi_set_timer(read_time() + TIMEBASE_HZ / 100);
    while (ticks < 3)
        __asm__ __volatile__("wfi");
    printf("guest: done, shutting down\n");
    return 0;
}
