// fuzz.c: a random-instruction guest for tests/fuzz.sh, run with
// `./run.sh --serve tests/guests/fuzz.c --timeout 1`. Each request is a seed
// (a decimal number); the guest writes a page of instructions from that
// seed, the same page for the same seed, and runs them. Its trap handler
// skips whatever traps, so the page runs on until it ends: by answering
// "fuzz SEED: survived (N traps)", by something hv1k ends the VM for (a
// fault, the time limit), or by wrecking itself. Whatever happens, hv1k must
// say why in one line and serve the next request. A request "canary-N"
// answers "canary-N ok", so the script can see that hv1k still works (the
// N comes from the request, so no fuzzed page can forge the answer).
//
// Built with FUZZ_SEED defined (a file that #defines it and #includes this
// one, as `tests/fuzz.sh --side-by-side` writes), it is a plain guest
// instead, beside other VMs: `./run.sh --mem 256K --timeout 2 FILE ...`. It
// runs the page of that seed, says "fuzz: seed N" first and, if the page
// ends, "fuzz: survived" (or "fuzz: too many traps") and shuts down cleanly.
//
// The instructions lean toward what a hypervisor must survive: CSR
// accesses of every kind, ecalls with random registers, loads and stores
// near the devices and the edges of RAM, compressed instructions,
// privileged and H-extension instructions, and jumps into data.
#include "../../guest/guest.h"

#define RAM_END (GUEST_RAM_BASE + (256UL << 10))
#define CODE_GPA 0x80020000UL // a page of its own, below the request and DT
#define CODE_WORDS 1000       // 4000 bytes, then a jump back to fuzz_done
#define MAX_TRAPS 2000

static uint64_t rng;
static uint64_t next_random(void) { // xorshift64
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static uint32_t pick(uint32_t n) { return (uint32_t)(next_random() % n); }

static volatile unsigned long traps;
static unsigned long seed;

// Instruction encodings (the unprivileged and privileged specs).
static uint32_t r_type(uint32_t op, uint32_t f3, uint32_t f7, uint32_t rd,
                       uint32_t rs1, uint32_t rs2) {
    return op | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25;
}
static uint32_t i_type(uint32_t op, uint32_t f3, uint32_t rd, uint32_t rs1,
                       uint32_t imm) {
    return op | rd << 7 | f3 << 12 | rs1 << 15 | (imm & 0xfff) << 20;
}
static uint32_t s_type(uint32_t op, uint32_t f3, uint32_t rs1, uint32_t rs2,
                       uint32_t imm) {
    return op | (imm & 0x1f) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 |
           (imm >> 5 & 0x7f) << 25;
}
static uint32_t lui(uint32_t rd, uint32_t imm20) { return 0x37 | rd << 7 | imm20 << 12; }

// A register the generated code may write: not sp, gp or tp (the handler
// and the C code need them), nor x0 half of the time.
static uint32_t any_reg(void) {
    static const uint8_t regs[] = {1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                   16, 17, 18, 19, 20, 28, 29, 30, 31, 0};
    return regs[pick(sizeof regs)];
}

// Addresses worth touching: mostly the emulated devices and the guest's
// own RAM near its edges, so that the page runs on; now and then one with
// nothing behind it, which ends the VM.
static uint64_t interesting_address(void) {
    static const uint64_t inside[] = {
        UART_BASE, PLIC_BASE, PLIC_BASE + PLIC_PENDING,
        PLIC_BASE + PLIC_ENABLE_CTX1, PLIC_BASE + PLIC_THRESHOLD_CTX1,
        RAM_END - 16, GUEST_RAM_BASE + 0x30000, CODE_GPA + 0x800};
    static const uint64_t outside[] = {RAM_END, GUEST_RAM_BASE - 8,
        PLIC_BASE + PLIC_SIZE, SIFIVE_TEST_BASE, 0x02000000 /* CLINT */, 0};
    if (pick(8))
        return inside[pick(sizeof inside / sizeof inside[0])] + pick(16);
    return outside[pick(sizeof outside / sizeof outside[0])] + pick(16);
}

// Writes the 32-bit `value` into `reg`, zero-extended: lui, addiw, then
// slli and srli by 32 (an address above 2 GiB must not sign-extend).
static unsigned load_constant(uint32_t *code, uint32_t reg, uint64_t value) {
    uint32_t low = (uint32_t)value & 0xfff, high = ((uint32_t)value + 0x800) >> 12;
    code[0] = lui(reg, high & 0xfffff);
    code[1] = i_type(0x1b, 0, reg, reg, low);        // addiw
    code[2] = i_type(0x13, 1, reg, reg, 32);         // slli
    code[3] = i_type(0x13, 5, reg, reg, 32);         // srli
    return 4;
}

static const uint32_t privileged[] = {
    0x10200073, // sret
    0x30200073, // mret
    0x10500073, // wfi
    0x12000073, // sfence.vma
    0x22000073, // hfence.vvma
    0x62000073, // hfence.gvma
    0x00100073, // ebreak
    0x0000100f, // fence.i
};

// One instruction (or a few) of the page; returns how many words.
static unsigned generate(uint32_t *code, unsigned room) {
    uint32_t kind = pick(100), rd = any_reg(), rs = any_reg();
    if (room < 16)
        return (code[0] = 0x00000013, 1); // nop
    if (kind < 10) // anything at all
        return (code[0] = (uint32_t)next_random(), 1);
    if (kind < 30) { // a CSR access, to a CSR of any number
        static const uint16_t csrs[] = {0x100, 0x104, 0x105, 0x140, 0x141,
                                        0x142, 0x143, 0x144, 0x180, 0x14d,
                                        0x600, 0x602, 0x603, 0x645, 0x680,
                                        0x200, 0x280, 0xc01, 0x001, 0x003};
        uint32_t csr = pick(2) ? csrs[pick(sizeof csrs / 2)] : pick(4096);
        return (code[0] = i_type(0x73, 1 + pick(7) % 3 + 4 * pick(2), rd, rs, csr), 1);
    }
    if (kind < 45) { // an ecall with random a0, a6 and a7
        static const uint32_t eids[] = {0x10, 0x54494D45, 0x735049, 0x52464E43,
                                        0x48534D, 0x4442434E, 0x0848564B, 0, 1, 2};
        unsigned n = load_constant(code, 17, eids[pick(10)]);
        n += load_constant(code + n, 16, pick(8));
        n += load_constant(code + n, 10, pick(2) ? interesting_address() : next_random());
        code[n] = 0x00000073; // ecall
        return n + 1;
    }
    if (kind < 70) { // a load or store near a device or the edge of RAM
        unsigned n = load_constant(code, rs ? rs : 5, interesting_address());
        uint32_t base = rs ? rs : 5, width = pick(4);
        if (pick(2))
            code[n] = i_type(0x03, width | 4 * pick(2) % 8, rd, base, pick(16));
        else
            code[n] = s_type(0x23, width, base, rd, pick(16));
        if (!pick(8)) // sometimes an AMO or an FP access instead
            code[n] = pick(2) ? r_type(0x2f, 2 + pick(2), pick(32) << 2, rd, base, rd)
                              : i_type(0x07, 2 + pick(2), rd, base, 0);
        return n + 1;
    }
    if (kind < 85) // two compressed instructions
        return (code[0] = (uint32_t)next_random() | 0x00010001u, 1);
    if (kind < 97) // privileged and H-extension instructions
        return (code[0] = pick(3) ? privileged[pick(8)]
                                  : r_type(0x73, 4, 0x30 + pick(8), rd, 2, 0), 1);
    // a jump into data: the request, the stack, the device tree
    static const uint64_t targets[] = {RAM_END - 0x10000, RAM_END - 0x11000,
                                       0x80010000};
    unsigned n = load_constant(code, 5, targets[pick(3)]);
    code[n] = i_type(0x67, 0, 0, 5, 0); // jr t0
    return n + 1;
}

__attribute__((noreturn)) static void answer(const char *text) {
#ifdef FUZZ_SEED // a plain guest: says it and shuts down cleanly
    printf("%s\n", text);
    sbi_shutdown(0);
#endif
    char line[64];
    unsigned n = 0;
    for (; *text; text++)
        line[n++] = *text;
    hv1k_respond(line, n);
    for (;;)
        __asm__ __volatile__("wfi");
}

// "canary-N" -> "canary-N ok".
__attribute__((noreturn, unused)) static void answer_canary(const char *request,
                                                    unsigned long len) {
    char line[64];
    unsigned long n = 0;
    for (; n < len && n < sizeof line - 4; n++)
        line[n] = request[n];
    line[n++] = ' ';
    line[n++] = 'o';
    line[n++] = 'k';
    hv1k_respond(line, n);
    for (;;)
        __asm__ __volatile__("wfi");
}

// Where the page ends: the generated code jumps here.
__attribute__((noreturn, used)) void fuzz_done(void) {
    char text[48] = "fuzz: survived";
    (void)traps;
    answer(text);
}

// Skip whatever trapped: 2 or 4 bytes, by the instruction's low bits.
__attribute__((interrupt("supervisor"), aligned(4))) static void
on_trap(void) {
    unsigned long sepc = READ_CSR(sepc);
    if (++traps > MAX_TRAPS)
        answer("fuzz: too many traps");
    uint16_t low = *(volatile uint16_t *)sepc;
    WRITE_CSR(sepc, sepc + ((low & 3) == 3 ? 4 : 2));
}

__attribute__((unused)) static unsigned long parse_seed(const char *s, unsigned long len) {
    unsigned long v = 0;
    for (unsigned long i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (unsigned long)(s[i] - '0');
    return v;
}

int main(void) {
    unsigned long n;
#ifdef FUZZ_SEED
    seed = FUZZ_SEED;
    printf("fuzz: seed %lu\n", seed);
#else
    const char *request = (const char *)boot_a0;
    if (boot_a1 > 7 && request[0] == 'c' && request[6] == '-') // "canary-N"
        answer_canary(request, boot_a1);
    seed = parse_seed(request, boot_a1);
    char says[48] = "fuzz: seed "; // one DBCN write: which seed runs now
    n = 11;
    for (unsigned long i = 0; i < boot_a1 && n < sizeof says - 2; i++)
        says[n++] = request[i];
    says[n] = '\n';
    says[n + 1] = '\0';
    dbcn_puts(says);
#endif
    rng = seed * 0x9e3779b97f4a7c15UL + 1;
    uint32_t *code = (uint32_t *)CODE_GPA;
    n = 0;
    while (n < CODE_WORDS)
        n += generate(code + n, CODE_WORDS - n);
    n += load_constant(code + n, 5, (uint64_t)(unsigned long)fuzz_done);
    code[n] = i_type(0x67, 0, 0, 5, 0); // jr t0
    __asm__ __volatile__("fence.i" ::: "memory");
    WRITE_CSR(stvec, (unsigned long)on_trap);
    ((void (*)(void))CODE_GPA)();
    answer("fuzz: returned");
}
