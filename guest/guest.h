// guest.h: the tiny runtime every hv1k guest in this repository uses.
// A guest is one C file that includes this header and defines
// `int main(void)`; start.S calls start_guest(a0, a1), which keeps the two
// entry registers in boot_a0/boot_a1, runs main() and shuts the VM down
// through SBI SRST: 0 from main is a clean shutdown, anything else a system
// failure.
#pragma once
#include "../common.h"

int main(void);

// a0 and a1 as the guest was entered with them, for main() to read (set by
// start_guest after it clears .bss). A VM started normally gets a0 = hart ID
// and a1 = the guest physical address of its device tree; a VM that
// `./run.sh --serve FILE` starts for one request gets a0 = the guest physical
// address of the request's bytes and a1 = their length.
unsigned long boot_a0, boot_a1;

// ---- Console ----
// putchar (used by printf) writes one byte through SBI DBCN write_byte.
void putchar(char ch) {
    sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, (unsigned char)ch, 0, 0, 0);
}

// Writes a whole string with one DBCN write: one VM exit for all of it.
static inline void dbcn_puts(const char *s) {
    long n = 0;
    while (s[n])
        n++;
    sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, n, (long)s, 0, 0);
}

// The UART at 0x10000000: every access is a VM exit that hv1k emulates.
static volatile uint8_t *const uart = (uint8_t *)UART_BASE;
static inline void uart_puts(const char *s) {
    for (; *s; s++) {
        while (!(uart[5] & 0x20)) // LSR: transmit holding register empty
            ;
        uart[0] = (uint8_t)*s; // THR
    }
}

// ---- hv1k's own hypercalls ----
// --serve: answers this VM's request with the `len` bytes at guest physical
// address `buf`. It ends the VM: it returns only if hv1k refused, so a guest
// loops in wfi after it.
static inline void hv1k_respond(const void *buf, unsigned long len) {
    sbi_call(SBI_EXT_HV1K, HV1K_RESPOND, (long)buf, (long)len, 0, 0);
}

// The same, for a guest that has nothing left to do: if hv1k refused, it
// waits in wfi for good.
__attribute__((noreturn)) static inline void respond(const void *buf, unsigned long len) {
    hv1k_respond(buf, len); // ends the VM
    for (;;)                // only if hv1k refused
        __asm__ __volatile__("wfi");
}

__attribute__((noreturn)) static inline void respond_with(const char *s) {
    unsigned long n = 0;
    while (s[n])
        n++;
    respond(s, n);
}

// --serve: is this VM's request (boot_a0, boot_a1 bytes; hv1k leaves out
// the line's end) exactly `word`?
static inline int request_is(const char *word) {
    const char *request = (const char *)boot_a0;
    unsigned long n = 0;
    while (word[n] && n < boot_a1 && word[n] == request[n])
        n++;
    return n == boot_a1 && !word[n];
}

// ---- Time ----
static inline unsigned long read_time(void) { return READ_CSR(time); }

static inline void sbi_set_timer(unsigned long when) {
    sbi_call(SBI_EXT_TIME, 0, (long)when, 0, 0, 0);
}

// ---- VU-mode ----
// run_in_user_mode(stub, arg) srets to `stub` in VU-mode with a0 = arg
// (with paging off, VU-mode runs the guest's own code; the stub may use a0,
// t0 and t1) and returns when the stub's last instruction, an ecall, has
// reached the guest's trap handler, which calls back_to_supervisor() for it
// (scause SCAUSE_USER_ECALL).
static volatile unsigned long user_mode_return; // where VS-mode goes on
static inline void run_in_user_mode(const char *stub, unsigned long arg) {
    register unsigned long a0 __asm__("a0") = arg;
    WRITE_CSR(sepc, (unsigned long)stub);
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SPP); // sret to VU-mode
    __asm__ __volatile__("la t0, 1f\n"
                         "sd t0, 0(%1)\n"
                         "sret\n"
                         "1:\n"
                         : "+r"(a0)
                         : "r"(&user_mode_return)
                         : "t0", "t1", "memory");
}

static inline void back_to_supervisor(void) {
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SPP);
    WRITE_CSR(sepc, user_mode_return);
}

// Busy-waits (no wfi) until `*count` reaches `want` or `timeout` ticks of
// `time` have passed, so an interrupt that never comes fails instead of
// hanging.
static inline void wait_for(volatile int *count, int want, unsigned long timeout) {
    unsigned long give_up = read_time() + timeout;
    while (*count < want && read_time() < give_up)
        ;
}

// ---- Ending the VM ----
__attribute__((noreturn)) static inline void sbi_shutdown(int failed) {
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
             failed ? SBI_SRST_SYSTEM_FAILURE : SBI_SRST_NO_REASON, 0, 0);
    for (;;) // only if the hypervisor refused
        __asm__ __volatile__("wfi");
}

// ---- The guest's own paging (Sv39), for tests that turn it on ----
// The virtual page number fields of an Sv39 address.
#define VPN2(va) (((va) >> 30) & 0x1ff)
#define VPN1(va) (((va) >> 21) & 0x1ff)
#define VPN0(va) (((va) >> 12) & 0x1ff)

// An entry pointing at the next-level table, and a leaf. A and D are preset:
// QEMU 10 (Svadu, henvcfg.ADUE = 0) raises a page fault on clear ones.
#define PTE_TABLE(pa) (((unsigned long)(pa) >> 12) << 10 | PTE_V)
#define PTE_LEAF(pa, perms)                                                    \
    (((unsigned long)(pa) >> 12) << 10 | (perms) | PTE_A | PTE_D | PTE_V)

// Turns Sv39 paging on with the root table `root` (a guest physical
// address: the guest builds its tables with paging off), or off.
static inline void paging_on(const uint64_t *root) {
    WRITE_CSR(satp, SATP_MODE_SV39 | (unsigned long)root >> 12);
    __asm__ __volatile__("sfence.vma" ::: "memory");
}

static inline void paging_off(void) {
    WRITE_CSR(satp, 0);
    __asm__ __volatile__("sfence.vma" ::: "memory");
}

// A check that prints "ok: what" or "FAIL: what" and counts failures.
static int failures;
static inline void check(int ok, const char *what) {
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

// The same, and a failure says on its line what the guest got instead
// (printf-style): "FAIL: what: got 3 interrupts".
static inline __attribute__((format(printf, 3, 4))) void
check_got(int ok, const char *what, const char *got, ...) {
    va_list ap;
    va_start(ap, got);
    printf("%s: %s", ok ? "ok" : "FAIL", what);
    if (!ok) {
        printf(": got ");
        vprintf(got, ap);
    }
    putchar('\n');
    va_end(ap);
    failures += !ok;
}

// A value that must be exactly `want`: "FAIL: what: got 0x5, expected 0x7".
static inline void check_equal(unsigned long got, unsigned long want, const char *what) {
    check_got(got == want, what, "0x%lx, expected 0x%lx", got, want);
}

// A successful SBI call: error SBI_SUCCESS and exactly `value`.
static inline void expect_ok(struct sbiret ret, long value, const char *what) {
    check_got(ret.error == SBI_SUCCESS && ret.value == value, what,
              "error %ld value %ld (0x%lx), expected error 0 value %ld (0x%lx)",
              ret.error, ret.value, ret.value, value, value);
}

// A failed SBI call: exactly `error` (the spec gives its value no meaning).
static inline void expect_error(struct sbiret ret, long error, const char *what) {
    check_got(ret.error == error, what, "error %ld, expected %ld", ret.error, error);
}

// Prints when each of `n` timer interrupts was asked for and when it
// arrived, and checks that none came early.
static inline void check_ticks_on_time(const volatile unsigned long *asked_for,
                                       const volatile unsigned long *arrived_at,
                                       int n) {
    int early = -1; // the first tick that came early
    for (int i = 0; i < n; i++) {
        printf("  tick %d: asked for %lu, arrived at %lu\n", i + 1,
               asked_for[i], arrived_at[i]);
        if (early < 0 && arrived_at[i] < asked_for[i])
            early = i;
    }
    check_got(early < 0, "no timer interrupt came earlier than asked",
              "tick %d at %lu, asked for %lu", early + 1, early < 0 ? 0 : arrived_at[early],
              early < 0 ? 0 : asked_for[early]);
}

extern char __bss[], __bss_end[];

// a0, a1: the guest's entry registers, passed on unchanged by start.S.
__attribute__((noreturn)) void start_guest(unsigned long a0, unsigned long a1) {
    memset(__bss, 0, (size_t)(__bss_end - __bss));
    boot_a0 = a0; // after the memset: boot_a0/boot_a1 are in .bss
    boot_a1 = a1;
    int status = main();
    sbi_shutdown(status != 0 || failures != 0);
}
