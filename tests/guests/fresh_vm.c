// fresh_vm.c: for --serve (--mem 256K). Proves that a VM made after
// another finds nothing of it: neither its CPU state nor what hv1k wrote
// into its RAM for it. The first VM after boot finds QEMU's reset values,
// so only a second VM can tell whether hv1k reset them.
//
// What each request (one line) does:
//   "dirty-cpu"  writes every CSR a VS-mode guest owns (sstatus, sie, stvec,
//                sscratch, sepc, scause, stval, satp, senvcfg, scounteren,
//                stimecmp), the f registers and fcsr, and leaves an IPI
//                pending (hvip.VSSIP); checks that each write held, and
//                responds "dirty"
//   "check-cpu"  responds "fresh cpu", or "FAIL: ..." naming the first state
//                that is not as a VM's first instruction should find it
//   "read-file"  read_file("emoji.txt") into a page the guest never writes
//                itself, so only hv1k can mark it written; responds "file read"
//   "check-file" responds "no file bytes left" if that page is all zero,
//                else "FAIL: ..."
#include "../../guest/guest.h"

#define FILE_GPA 0x80021000UL // free RAM above the image and stack
#define JUNK 0x80001234UL     // a 4-byte-aligned address: any xtvec takes it
#define SIP_SSIP (1UL << 1)
#define SSTATUS_SUM (1UL << 18)
#define SSTATUS_MXR (1UL << 19)
#define SSTATUS_FS (3UL << 13)
#define SENVCFG_FIOM 1UL

// "FAIL: WHAT is 0xGOT, expected 0xWANT", as the answer.
__attribute__((noreturn)) static void fail(const char *what, unsigned long got,
                                           unsigned long want) {
    static char answer[160];
    static const char hex[] = "0123456789abcdef";
    char *a = answer;
    const char *parts[3] = {"FAIL: ", what, " is 0x"};
    for (int p = 0; p < 3; p++)
        for (const char *s = parts[p]; *s; s++)
            *a++ = *s;
    for (int i = 60; i >= 0; i -= 4)
        if (got >> i || i == 0)
            *a++ = hex[got >> i & 15];
    for (const char *s = ", expected 0x"; *s; s++)
        *a++ = *s;
    for (int i = 60; i >= 0; i -= 4)
        if (want >> i || i == 0)
            *a++ = hex[want >> i & 15];
    hv1k_respond(answer, (unsigned long)(a - answer));
    for (;;)
        __asm__ __volatile__("wfi");
}

static void expect(const char *what, unsigned long got, unsigned long want) {
    if (got != want)
        fail(what, got, want);
}

// f0-f31 from `bits`, and all of them ORed together.
#define F_EACH(X)                                                              \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)  \
    X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25)    \
    X(26) X(27) X(28) X(29) X(30) X(31)
static void fill_f(unsigned long bits) {
#define FILL(n) __asm__ __volatile__("fmv.d.x f" #n ", %0" ::"r"(bits));
    F_EACH(FILL)
}
static unsigned long or_of_f(void) {
    unsigned long all = 0, x;
#define OR(n) __asm__ __volatile__("fmv.x.d %0, f" #n : "=r"(x)); all |= x;
    F_EACH(OR)
    return all;
}

__attribute__((noreturn)) static void dirty_cpu(void) {
    unsigned long status = READ_CSR(sstatus) | SSTATUS_SPIE | SSTATUS_SUM | SSTATUS_MXR;
    WRITE_CSR(sstatus, status & ~SSTATUS_SIE);
    expect("dirty: sstatus.SUM|MXR|SPIE", READ_CSR(sstatus) & (SSTATUS_SPIE | SSTATUS_SUM | SSTATUS_MXR),
           SSTATUS_SPIE | SSTATUS_SUM | SSTATUS_MXR);
    fill_f(0x5345435245543432UL);
    __asm__ __volatile__("csrw fcsr, %0" ::"r"(0x1fUL));
    WRITE_CSR(sie, 0x222UL); // SSIE, STIE, SEIE
    WRITE_CSR(stvec, JUNK);
    WRITE_CSR(sscratch, JUNK);
    WRITE_CSR(sepc, JUNK);
    WRITE_CSR(scause, 7);
    WRITE_CSR(stval, JUNK);
    WRITE_CSR(satp, 0x1234); // Bare, with a page number: no translation
    __asm__ __volatile__("csrw 0x10a, %0" ::"r"(SENVCFG_FIOM)); // senvcfg
    WRITE_CSR(scounteren, 7);
    WRITE_CSR(stimecmp, 0); // due at once, but STIE... SIE is off
    sbi_call(SBI_EXT_IPI, 0, 1, 0, 0, 0); // pending: sstatus.SIE is off
    expect("dirty: sie", READ_CSR(sie), 0x222);
    expect("dirty: stvec", READ_CSR(stvec), JUNK);
    expect("dirty: satp", READ_CSR(satp), 0x1234);
    expect("dirty: scounteren", READ_CSR(scounteren), 7);
    expect("dirty: sip.SSIP", READ_CSR(sip) & SIP_SSIP, SIP_SSIP);
    unsigned long fcsr;
    __asm__ __volatile__("csrr %0, fcsr" : "=r"(fcsr));
    expect("dirty: fcsr", fcsr, 0x1f);
    respond_with("dirty");
}

__attribute__((noreturn)) static void check_cpu(void) {
    // Read everything before any ecall (printing is one): hv1k's own exits
    // must not be what resets it.
    unsigned long status = READ_CSR(sstatus), sie = READ_CSR(sie), sip = READ_CSR(sip);
    unsigned long stvec = READ_CSR(stvec), sscratch = READ_CSR(sscratch);
    unsigned long sepc = READ_CSR(sepc), scause = READ_CSR(scause), stval = READ_CSR(stval);
    unsigned long satp = READ_CSR(satp), scounteren = READ_CSR(scounteren);
    unsigned long stimecmp = READ_CSR(stimecmp), senvcfg, fcsr, f = or_of_f();
    __asm__ __volatile__("csrr %0, 0x10a" : "=r"(senvcfg)); // senvcfg
    __asm__ __volatile__("csrr %0, fcsr" : "=r"(fcsr));
    expect("sstatus.SIE|SPIE|SUM|MXR", status & (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SUM | SSTATUS_MXR), 0);
    expect("sstatus.FS", status & SSTATUS_FS, SSTATUS_FS_INITIAL);
    expect("sie", sie, 0);
    expect("sip", sip, 0);
    expect("stvec", stvec, 0);
    expect("sscratch", sscratch, 0);
    expect("sepc", sepc, 0);
    expect("scause", scause, 0);
    expect("stval", stval, 0);
    expect("satp", satp, 0);
    expect("senvcfg", senvcfg, 0);
    expect("scounteren", scounteren, 0);
    expect("stimecmp", stimecmp, -1UL);
    expect("fcsr", fcsr, 0);
    expect("f0-f31 ORed", f, 0);
    respond_with("fresh cpu");
}

__attribute__((noreturn)) static void read_file_in(void) {
    struct sbiret r = sbi_call(SBI_EXT_HV1K, HV1K_READ_FILE, (long)"emoji.txt", 9,
                               (long)FILE_GPA, 4);
    expect("read_file's error", (unsigned long)r.error, 0);
    expect("read_file's length", (unsigned long)r.value, 4);
    respond_with("file read");
}

__attribute__((noreturn)) static void check_file(void) {
    const volatile uint8_t *page = (const uint8_t *)FILE_GPA;
    for (unsigned long i = 0; i < PAGE_SIZE; i++)
        expect("a byte of the page read_file wrote for the last VM", page[i], 0);
    respond_with("no file bytes left");
}

int main(void) {
    if (request_is("dirty-cpu"))
        dirty_cpu();
    if (request_is("check-cpu"))
        check_cpu();
    if (request_is("read-file"))
        read_file_in();
    if (request_is("check-file"))
        check_file();
    respond_with("unknown request");
}
