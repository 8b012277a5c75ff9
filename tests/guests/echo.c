// Test guest: a line echoer on the emulated UART, to sit beside another VM
// (tests/linux-session.sh side runs it next to Linux and moves the input to
// it with Ctrl-]). It says "echo: ready", then reads lines from the UART
// (poll LSR.DR, read RBR; it echoes nothing as it reads) and answers each
// with "echo: LINE". "quit" ends it with a clean shutdown ("echo: bye").
//
// A line ends at \n or \r; a \r\n, or an empty line, answers nothing. A line
// longer than its buffer is cut short. While nothing is typed the guest sleeps
// in wfi for 1 ms at a time (its own timer wakes it, sstatus.SIE off, so no
// trap is taken), instead of spinning on LSR: the VM beside it keeps a host
// core.
#include "../../guest/guest.h"

#define LINE_MAX 120
#define POLL_DELAY (TIMEBASE_HZ / 1000) // 1 ms

// Sleeps until the guest's timer fires POLL_DELAY from now, or until
// something else wakes wfi (wfi wakes on an interrupt that sie enables,
// whatever sstatus.SIE says, and with SIE off none is taken).
static void nap(void) {
    sbi_set_timer(read_time() + POLL_DELAY);
    __asm__ __volatile__("wfi");
    sbi_set_timer(-1UL); // disarm, which also clears the pending interrupt
}

// The next byte typed, waiting for it as long as it takes.
static char read_byte(void) {
    while (!(uart[UART_LSR] & LSR_DR))
        nap();
    return (char)uart[UART_RBR];
}

static int is(const char *line, unsigned long n, const char *word) {
    unsigned long i = 0;
    for (; i < n && word[i] && line[i] == word[i]; i++)
        ;
    return i == n && word[i] == '\0';
}

int main(void) {
    char line[LINE_MAX + 1];
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER); // wakes wfi; never taken (SIE is off)
    printf("echo: ready\n");
    for (;;) {
        unsigned long n = 0;
        char ch;
        while ((ch = read_byte()) != '\n' && ch != '\r')
            if (n < LINE_MAX)
                line[n++] = ch;
        if (n == 0)
            continue;
        if (is(line, n, "quit")) {
            printf("echo: bye\n");
            return 0;
        }
        line[n] = '\0';
        printf("echo: %s\n", line);
    }
}
