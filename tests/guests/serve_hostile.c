// Test guest for --serve: one VM per request, and a request can make its VM
// misbehave in every way a function guest might. Each VM must end alone:
// hv1k answers the next request with a fresh VM, and nothing of one VM (its
// RAM above all) may be seen by the next. Run it with --mem 256K.
//
// What each request (one line, which hv1k hands over without its end) does:
//   "fault"        a 32-bit store to GPA 0x40000000 (no RAM there): hv1k ends
//                  the VM without a response
//   "loop"         loops for ever with no VM exit: only --timeout ends it
//   "store-secret" writes the 8-byte SECRET at SECRET_GPA_1 and SECRET_GPA_2,
//                  responds "stored"
//   "find-secret"  responds "secret found" if either address holds SECRET
//                  (a VM before this one left it there: RAM not scrubbed),
//                  else "no secret"
//   "fp-store-secret" puts SECRET in all 32 f registers, responds "fp stored"
//   "fp-find-secret" responds "fp secret found" if any f register holds
//                  SECRET (the FPU still had the last VM's), else "fp clean"
//   "silent"       shuts down cleanly through SRST without responding
//   "badbuf"       responds with a buffer at GPA 0x40000000 (not RAM): hv1k
//                  must refuse it; if the call returns, it responds
//                  "badbuf refused" (error SBI_ERR_INVALID_ADDRESS) or
//                  "badbuf: wrong error"
//   anything else  responds with the request upper-cased (ASCII a-z), like
//                  guest/upcase.c
// Every path but the last prints one "serve_hostile: ..." line first.
#include "../../guest/guest.h"

#define UNMAPPED_GPA 0x40000000UL // below guest RAM, no device there
#define SECRET 0x5345435245543432UL // "24TERCES" in memory
// With 256 KiB of RAM (0x80000000 - 0x80040000) the device tree is in its
// last 64 KiB (from 0x80030000), so neither goes there: one in the middle of
// the free RAM above the image and stack, one in the last 8 bytes below the
// device tree.
#define SECRET_GPA_1 0x80020000UL
#define SECRET_GPA_2 0x8002fff8UL

extern char __stack_top[];

// Does the 8-byte word at `gpa` lie in this VM's own request bytes (which
// hv1k has just written, so they cannot show a secret)?
static int in_request(unsigned long gpa) {
    unsigned long from = boot_a0, to = boot_a0 + boot_a1;
    return gpa + 8 > from && gpa < to;
}

__attribute__((noreturn)) static void fault(void) {
    printf("serve_hostile: fault: a 32-bit store to GPA 0x%lx\n", UNMAPPED_GPA);
    *(volatile uint32_t *)UNMAPPED_GPA = 0x12345678;
    printf("FAIL: serve_hostile: survived the store\n");
    sbi_shutdown(1);
}

__attribute__((noreturn)) static void loop(void) {
    printf("serve_hostile: loop: looping forever with no exits\n");
    for (;;)
        __asm__ __volatile__(""); // an empty loop the compiler must keep
}

__attribute__((noreturn)) static void store_secret(void) {
    printf("serve_hostile: store-secret: at 0x%lx and 0x%lx\n", SECRET_GPA_1,
           SECRET_GPA_2);
    *(volatile uint64_t *)SECRET_GPA_1 = SECRET;
    *(volatile uint64_t *)SECRET_GPA_2 = SECRET;
    respond_with("stored");
}

__attribute__((noreturn)) static void find_secret(void) {
    static const unsigned long where[] = {SECRET_GPA_1, SECRET_GPA_2};
    int found = 0;
    for (int i = 0; i < 2; i++) {
        if (in_request(where[i])) {
            printf("serve_hostile: find-secret: 0x%lx holds this request: "
                   "not looked at\n", where[i]);
            continue;
        }
        uint64_t word = *(volatile uint64_t *)where[i];
        printf("serve_hostile: find-secret: 0x%lx holds 0x%lx\n", where[i],
               (unsigned long)word);
        found |= word == SECRET;
    }
    respond_with(found ? "secret found" : "no secret");
}

__attribute__((noreturn)) static void fp_store_secret(void) {
    printf("serve_hostile: fp-store-secret: into f0-f31\n");
    __asm__ __volatile__(".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
                         "18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
                         "fmv.d.x f\\n, %0\n"
                         ".endr" ::"r"(SECRET));
    respond_with("fp stored");
}

__attribute__((noreturn)) static void fp_find_secret(void) {
    uint64_t f[32];
    int found = 0;
    __asm__ __volatile__(".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,"
                         "18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
                         "fsd f\\n, 8*\\n(%0)\n"
                         ".endr" ::"r"(f) : "memory");
    for (int i = 0; i < 32; i++)
        found |= f[i] == SECRET;
    printf("serve_hostile: fp-find-secret: f1 holds 0x%lx\n", (unsigned long)f[1]);
    respond_with(found ? "fp secret found" : "fp clean");
}

__attribute__((noreturn)) static void silent(void) {
    printf("serve_hostile: silent: shutting down without a response\n");
    sbi_shutdown(0);
}

__attribute__((noreturn)) static void badbuf(void) {
    printf("serve_hostile: badbuf: respond with a buffer at GPA 0x%lx\n",
           UNMAPPED_GPA);
    struct sbiret ret = sbi_call(SBI_EXT_HV1K, HV1K_RESPOND, (long)UNMAPPED_GPA,
                                 16, 0, 0);
    printf("serve_hostile: badbuf: respond returned error %ld\n", ret.error);
    respond_with(ret.error == SBI_ERR_INVALID_ADDRESS ? "badbuf refused"
                                                      : "badbuf: wrong error");
}

// The request upper-cased in place (a-z only), answered as it came, newline
// and all.
__attribute__((noreturn)) static void upcase(void) {
    char *s = (char *)boot_a0;
    for (unsigned long i = 0; i < boot_a1; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 'a' + 'A');
    respond(s, boot_a1);
}

int main(void) {
    if ((unsigned long)__stack_top > SECRET_GPA_1) { // the image grew too big
        printf("FAIL: serve_hostile: image and stack end at 0x%lx, above 0x%lx\n",
               (unsigned long)__stack_top, SECRET_GPA_1);
        return 1;
    }
    if (request_is("fault"))
        fault();
    if (request_is("loop"))
        loop();
    if (request_is("store-secret"))
        store_secret();
    if (request_is("find-secret"))
        find_secret();
    if (request_is("fp-store-secret"))
        fp_store_secret();
    if (request_is("fp-find-secret"))
        fp_find_secret();
    if (request_is("silent"))
        silent();
    if (request_is("badbuf"))
        badbuf();
    upcase();
}
