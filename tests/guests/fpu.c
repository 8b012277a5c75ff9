// Test guest: floating point in a guest. With V=1 an FP instruction needs
// both the hypervisor's sstatus.FS and the guest's vsstatus.FS to be non-Off;
// hv1k sets both to Initial and never touches the FP registers itself
// (it is built without F and D), so they must survive every VM exit.
//
// It proves that:
// - the guest starts with sstatus.FS = Initial (from VS, sstatus is
//   vsstatus), so FP works without the guest turning it on;
// - double and float arithmetic (fadd, fmul, fdiv, fsqrt, conversions to
//   and from integers) gives bit-exact IEEE 754 results, and after it
//   sstatus.FS = Dirty;
// - fcsr works: the accrued exception flags (fflags) record exactly
//   inexact, divide-by-zero and invalid, and the rounding mode (frm) sticks;
// - f0-f31 and fcsr keep their values across VM exits: an SBI call (DBCN
//   write) and an emulated MMIO load (the UART's LSR).
// Any trap (e.g. illegal instruction because FS is Off) fails the test.
#include "../../guest/guest.h"

#define FS_SHIFT 13
#define FS_OFF 0
#define FS_INITIAL 1
#define FS_DIRTY 3
// fflags (the low 5 bits of fcsr): the IEEE 754 exceptions, accrued.
#define FFLAGS_NX 0x01 // inexact
#define FFLAGS_DZ 0x08 // divide by zero
#define FFLAGS_NV 0x10 // invalid operation
#define FRM_SHIFT 5    // fcsr[7:5]: the dynamic rounding mode
#define FRM_RDN 2      // round down, towards -infinity

static unsigned long fs(void) {
    return (READ_CSR(sstatus) & SSTATUS_FS) >> FS_SHIFT;
}

// Any trap here is a failure: say which and stop.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    printf("FAIL: unexpected trap: scause 0x%lx, sepc 0x%lx, stval 0x%lx\n",
           READ_CSR(scause), READ_CSR(sepc), READ_CSR(stval));
    sbi_shutdown(1);
}

static uint64_t bits_of(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint32_t bits_of_float(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void expect_bits(uint64_t got, uint64_t want, const char *what) {
    check_equal(got, want, what);
}

// fsqrt.d: asm, because a freestanding build has no sqrt() to call.
static double fsqrt_d(double x) {
    double r;
    __asm__ __volatile__("fsqrt.d %0, %1" : "=f"(r) : "f"(x));
    return r;
}

// Inputs the compiler cannot fold into constants.
static volatile double one = 1.0, one_and_half = 1.5, two = 2.0,
                       two_and_quarter = 2.25;
static volatile float tenth = 0.1f, fifth = 0.2f, one_f = 1.0f, three_f = 3.0f;
static volatile int ten = 10;

static void test_double_arithmetic(void) {
    // H(10) = 1/1 + 1/2 + ... + 1/10, summed left to right: fcvt.d.w,
    // fdiv.d, fadd.d.
    double sum = 0.0;
    for (int k = 1; k <= ten; k++)
        sum += one / k;
    expect_bits(bits_of(sum), 0x40076e86e86e86e8UL,
                "double: 1/1 + ... + 1/10 is bit-exact");
    expect_bits(bits_of(fsqrt_d(two)), 0x3ff6a09e667f3bcdUL,
                "double: fsqrt.d(2) is bit-exact");
    // (1.5 * 2.25 + 1/3) / sqrt(2), one rounding per statement: fmul.d,
    // fadd.d, fdiv.d (separate statements, so no fused multiply-add).
    double product = one_and_half * two_and_quarter;
    double third = one / 3;
    double total = product + third;
    double x = total / fsqrt_d(two);
    expect_bits(bits_of(x), 0x4004fa3d845b4a1bUL,
                "double: (1.5 * 2.25 + 1/3) / sqrt(2) is bit-exact");
    // fcvt.l.d rounds towards zero in C.
    long thousandths = (long)(x * 1000), negative = (long)-x;
    check(thousandths == 2622 && negative == -2,
          "double -> long: 2622 and -2 (towards zero)");
}

static void test_float_arithmetic(void) {
    float sum = tenth + fifth, third = one_f / three_f;
    expect_bits(bits_of_float(sum), 0x3e99999a, "float: 0.1f + 0.2f is bit-exact");
    expect_bits(bits_of_float(third), 0x3eaaaaab, "float: 1.0f / 3.0f is bit-exact");
    check((int)(third * 30.0f) == 10, "float -> int: (1/3) * 30 is 10");
}

// Clears fcsr, divides a by b with fdiv.d in the dynamic rounding mode, and
// returns fcsr afterwards.
static unsigned long fcsr_after_fdiv(double a, double b) {
    unsigned long fcsr;
    double q;
    __asm__ __volatile__("fscsr zero\n"
                         "fdiv.d %1, %2, %3\n"
                         "frcsr %0"
                         : "=r"(fcsr), "=&f"(q)
                         : "f"(a), "f"(b));
    return fcsr;
}

// The same with fsqrt.d.
static unsigned long fcsr_after_fsqrt(double a) {
    unsigned long fcsr;
    double r;
    __asm__ __volatile__("fscsr zero\n"
                         "fsqrt.d %1, %2\n"
                         "frcsr %0"
                         : "=r"(fcsr), "=&f"(r)
                         : "f"(a));
    return fcsr;
}

static void test_fcsr(void) {
    expect_bits(fcsr_after_fdiv(one, two), 0, "fcsr: 1/2 is exact: no flag");
    expect_bits(fcsr_after_fdiv(one, 3.0), FFLAGS_NX, "fcsr: 1/3 sets NX");
    expect_bits(fcsr_after_fdiv(one, 0.0), FFLAGS_DZ, "fcsr: 1/0 sets DZ");
    expect_bits(fcsr_after_fsqrt(-one), FFLAGS_NV, "fcsr: sqrt(-1) sets NV");
    unsigned long fcsr = FRM_RDN << FRM_SHIFT | FFLAGS_NX | FFLAGS_DZ;
    WRITE_CSR(fcsr, fcsr);
    expect_bits(READ_CSR(fcsr), fcsr, "fcsr: frm and fflags read back");
    expect_bits(READ_CSR(frm), FRM_RDN, "frm: the rounding mode alone");
    expect_bits(READ_CSR(fflags), FFLAGS_NX | FFLAGS_DZ, "fflags alone");
    WRITE_CSR(fcsr, 0);
}

// f0-f31 and fcsr across two VM exits. One asm block, so that nothing of
// the compiler's runs between loading the registers and storing them:
// load f0-f31 and fcsr, make an SBI call (DBCN write of `msg`) and an MMIO
// load (the emulated UART's LSR), then store f0-f31 and fcsr again.
static uint64_t before[32], after[32];
static struct sbiret fp_registers_across_exits(const char *msg, long len,
                                               unsigned long fcsr_in,
                                               unsigned long *fcsr_out,
                                               unsigned long *lsr) {
    register long a0 __asm__("a0") = len;
    register long a1 __asm__("a1") = (long)msg;
    register long a2 __asm__("a2") = 0; // base_addr_hi
    register long a6 __asm__("a6") = SBI_DBCN_WRITE;
    register long a7 __asm__("a7") = SBI_EXT_DBCN;
    __asm__ __volatile__(
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
        "22,23,24,25,26,27,28,29,30,31\n"
        "    fld f\\n, 8*\\n(%[before])\n"
        ".endr\n"
        "    fscsr %[fcsr_in]\n"
        "    ecall\n"                 // VM exit 1: SBI DBCN write
        "    lbu %[lsr], 5(%[uart])\n" // VM exit 2: MMIO load of LSR
        "    frcsr %[fcsr_out]\n"
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
        "22,23,24,25,26,27,28,29,30,31\n"
        "    fsd f\\n, 8*\\n(%[after])\n"
        ".endr\n"
        "    fscsr zero\n"
        : "+r"(a0), "+r"(a1), [fcsr_out] "=&r"(*fcsr_out), [lsr] "=&r"(*lsr)
        : "r"(a2), "r"(a6), "r"(a7), [before] "r"(before), [after] "r"(after),
          [fcsr_in] "r"(fcsr_in), [uart] "r"(UART_BASE)
        : "memory", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9",
          "f10", "f11", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19",
          "f20", "f21", "f22", "f23", "f24", "f25", "f26", "f27", "f28", "f29",
          "f30", "f31");
    return (struct sbiret){a0, a1};
}

static void test_registers_survive_exits(void) {
    static const char msg[] = "fpu: f0-f31 loaded, now two VM exits\n";
    for (int i = 0; i < 32; i++) // a distinct pattern in every register
        before[i] = 0x4000000000000000UL + 0x0101010101010101UL * i + 7 * i;
    unsigned long fcsr_in = FRM_RDN << FRM_SHIFT | FFLAGS_NV | FFLAGS_NX;
    unsigned long fcsr_out, lsr;
    struct sbiret ret = fp_registers_across_exits(msg, sizeof msg - 1, fcsr_in,
                                                  &fcsr_out, &lsr);
    check(ret.error == SBI_SUCCESS && ret.value == sizeof msg - 1,
          "the DBCN write in between printed the whole message");
    int same = 1;
    for (int i = 0; i < 32; i++)
        if (after[i] != before[i]) {
            printf("  f%d is 0x%lx, want 0x%lx\n", i, after[i], before[i]);
            same = 0;
        }
    check(lsr == (LSR_THRE | LSR_TEMT), "the MMIO load in between read LSR");
    check(same, "f0-f31 are unchanged after an SBI call and an MMIO exit");
    expect_bits(fcsr_out, fcsr_in, "fcsr is unchanged after the VM exits");
}

int main(void) {
    WRITE_CSR(stvec, (unsigned long)on_trap);
    unsigned long fs_at_start = fs();
    if (fs_at_start != FS_INITIAL)
        printf("  sstatus.FS is %lu\n", fs_at_start);
    check(fs_at_start == FS_INITIAL, "sstatus.FS starts Initial (not Off)");
    test_double_arithmetic();
    test_float_arithmetic();
    test_fcsr();
    test_registers_survive_exits();
    unsigned long fs_after = fs();
    if (fs_after != FS_DIRTY)
        printf("  sstatus.FS is %lu\n", fs_after);
    check(fs_after == FS_DIRTY, "after FP use sstatus.FS is Dirty");
    printf("fpu: done\n");
    return 0;
}
