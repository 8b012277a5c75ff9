// The --serve demo: a "function guest". `./run.sh --serve guest/upcase.c`
// starts a fresh VM for each line of input; the VM finds the request's bytes
// at guest physical address a0 (boot_a0), a1 (boot_a1) of them, answers with
// the request upper-cased (ASCII a-z only; every other byte as it is) through
// hv1k's respond hypercall, and that ends the VM.
//
// It needs little RAM (it runs with 256 KiB): it upper-cases the request in
// place and answers with those same bytes.
#include "guest.h"

static void upcase(char *s, unsigned long len) {
    for (unsigned long i = 0; i < len; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 'a' + 'A');
}

int main(void) {
    char *request = (char *)boot_a0;
    unsigned long len = boot_a1;
    upcase(request, len);
    hv1k_respond(request, len); // ends the VM
    for (;;) // only if hv1k refused
        __asm__ __volatile__("wfi");
}
