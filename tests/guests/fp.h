// fp.h: the whole of an FP guest, for several VMs at once: a long double
// precision computation whose every intermediate value sits in the f
// registers, so that it shows whether hv1k keeps each VM's f0-f31 and fcsr
// its own when it switches between VMs. A guest file defines FP_NAME (a
// string) and FP_SEED (a double in (0, 1)) and includes this file; fp_a.c and
// fp_b.c do so with different seeds. Run each alone once and then side by
// side: each must print the same "fp NAME: result 0x..." every time.
//
// The recurrence: 8 values x0-x7 in (0, 1), each step a logistic map
// (r = 3.99: chaotic) of the value mixed a little with two neighbours
// through a multiply, a square root and a division:
//   g  = 0.2 * sqrt(xj * xk) / (xj + xk)   (0.1 times their geometric mean
//                                           over their arithmetic one: <= 0.1)
//   y  = 0.9 * xi + g                      (in (0, 1))
//   xi = 3.99 * y * (1 - y)                (in [0.0089, 0.9975])
// for (i, j, k) = (0, 1, 3), (1, 2, 4), ... (7, 0, 2). Chaos makes any change
// to any of the values, even in its last bit (another VM's register leaking
// in, or another VM's rounding mode in fcsr), grow into a different result
// within about 100 steps; the whole run is FP_STEPS steps. Every operation is
// IEEE 754 exactly rounded, so the result itself is the same on every run.
#include "../../guest/guest.h"

#ifndef FP_NAME
#error "define FP_NAME and FP_SEED before including fp.h"
#endif
#ifndef FP_STEPS
#define FP_STEPS 1900000 // about 1.2 s of QEMU time, alone
#endif

// fsqrt.d: asm, because a freestanding build has no sqrt() to call.
static inline double fsqrt_d(double x) {
    double r;
    __asm__("fsqrt.d %0, %1" : "=f"(r) : "f"(x));
    return r;
}

static uint64_t bits_of(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

// One value's update from its own value and two neighbours'.
#define UPDATE(x, j, k)                                                        \
    do {                                                                       \
        double y = mix_self * x + mix_other * fsqrt_d(j * k) / (j + k);        \
        x = r * y * (one - y);                                                 \
    } while (0)

// Runs the recurrence and returns the sum of the 8 values at the end.
static double recurrence(double seed, long steps) {
    // volatile loads, so the compiler cannot fold the constants into the loop
    static volatile double r_v = 3.99, mix_self_v = 0.9, mix_other_v = 0.2,
                           one_v = 1.0, nine_v = 9.0;
    double r = r_v, mix_self = mix_self_v, mix_other = mix_other_v,
           one = one_v, nine = nine_v;
    double x0 = (seed + 0) / nine, x1 = (seed + 1) / nine, x2 = (seed + 2) / nine,
           x3 = (seed + 3) / nine, x4 = (seed + 4) / nine, x5 = (seed + 5) / nine,
           x6 = (seed + 6) / nine, x7 = (seed + 7) / nine;
    for (long i = 0; i < steps; i++) {
        UPDATE(x0, x1, x3);
        UPDATE(x1, x2, x4);
        UPDATE(x2, x3, x5);
        UPDATE(x3, x4, x6);
        UPDATE(x4, x5, x7);
        UPDATE(x5, x6, x0);
        UPDATE(x6, x7, x1);
        UPDATE(x7, x0, x2);
    }
    return ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
}

int main(void) {
    unsigned long start = read_time();
    double result = recurrence(FP_SEED, FP_STEPS);
    unsigned long took = read_time() - start;
    printf("fp %s: result 0x%lx\n", FP_NAME, (unsigned long)bits_of(result));
    // Only for reading: side by side with another VM it takes longer.
    printf("fp %s: took %lu ms\n", FP_NAME, took / (TIMEBASE_HZ / 1000));
    return 0;
}
