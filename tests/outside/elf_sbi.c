// A guest built outside hv1k's guest runtime: freestanding C with its own
// entry and its own SBI call, linked at 0x80200000 (not the start of RAM),
// run as an ELF file. Its console is SBI alone (legacy console_putchar), and
// it ends asking for "system failure", the status it expects to see.
static long sbi(long eid, long fid, long a0, long a1) {
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r6 __asm__("a6") = fid;
    register long r7 __asm__("a7") = eid;
    __asm__ __volatile__("ecall" : "+r"(r0), "+r"(r1) : "r"(r6), "r"(r7) : "memory");
    return r0;
}

static void puts_sbi(const char *s) {
    for (; *s; s++)
        sbi(0x01, 0, *s, 0); // legacy console_putchar
}

char stack[4096] __attribute__((aligned(16)));

void elf_main(void) {
    puts_sbi("elf: hello through SBI\n");
    sbi(0x53525354, 0, 0, 1); // SRST system_reset(shutdown, system failure)
    for (;;)
        ;
}

__attribute__((naked)) void _start(void) {
    __asm__ __volatile__("la sp, stack + 4096\n"
                         "j elf_main\n");
}
