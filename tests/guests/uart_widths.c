// uart_widths.c: proves that hv1k decodes and emulates every load and store
// a guest can aim at the emulated 16550 UART, in every width and form:
//   - the 32-bit stores sb, sh, sw, sd and loads lb, lbu, lh, lhu, lw, lwu,
//     ld (each must move the register's byte, zero-extended to the access
//     width, then sign- or zero-extended as the instruction says);
//   - the compressed c.sw, c.lw, c.sd, c.ld (registers x8-x15) and the
//     sp-relative c.swsp, c.lwsp, c.sdsp, c.ldsp;
//   - a load into x0, which must be performed and thrown away;
// and that the registers keep what the driver wrote: the scratch register,
// MCR (low 5 bits only), IER (low 4 bits only), FCR (seen in IIR), and the
// divisor latch behind LCR.DLAB, while LSR says "transmitter empty, no input"
// (stdin is empty). In loop mode (MCR.LOOP) the modem outputs read back as
// the modem inputs, and each byte written to THR is received, not printed.
//
// Each access is one inline-asm instruction, so the test knows exactly which
// encoding hv1k has to decode (QEMU 7.2 leaves htinst 0: hv1k reads the
// instruction from guest memory; QEMU 10 hands it over in htinst). The 32-bit
// ones sit inside `.option norvc`, or the assembler would quietly compress
// some of them. `llvm-objdump -d build/uart_widths.elf` shows each one.
#include "../../guest/guest.h"

// The 16550's byte registers, as offsets from UART_BASE.
#define UART_THR 0 // transmit holding (write); receive buffer (read)
#define UART_DLL 0 // divisor latch, low byte, while LCR.DLAB = 1
#define UART_IER 1 // interrupt enable
#define UART_DLM 1 // divisor latch, high byte, while LCR.DLAB = 1
#define UART_IIR 2 // interrupt identification (read)
#define UART_FCR 2 // FIFO control (write)
#define UART_LCR 3 // line control
#define UART_MCR 4 // modem control
#define UART_LSR 5 // line status
#define UART_MSR 6 // modem status
#define UART_SCR 7 // scratch
#define LCR_8N1 0x03  // 8 data bits, no parity, 1 stop bit
#define LCR_DLAB 0x80 // divisor latch access bit
#define LSR_DR 0x01   // data ready
#define LSR_THRE 0x20 // transmit holding register empty
#define LSR_TEMT 0x40 // transmitter empty
#define FCR_FIFO_ENABLE 0x01
#define IER_RX 0x01 // interrupt when data is ready
#define IIR_NO_INTERRUPT 0x01
#define IIR_RX 0x04 // received data available
#define IIR_FIFOS_ENABLED 0xc0
#define MCR_DTR 0x01 // the modem outputs: data terminal ready, request to send,
#define MCR_RTS 0x02 // and OUT1, OUT2
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10 // loop mode
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

// A value no load returns: each load's destination starts as this, so a load
// that leaves some bits of rd alone is caught.
#define POISON 0xdeadbeefdeadbeefUL

// One 32-bit store `insn value, offset(UART_BASE)`.
#define STORE(insn, offset, value)                                             \
    __asm__ __volatile__(".option push\n.option norvc\n" insn                  \
                         " %1, %2(%0)\n.option pop"                            \
                         :                                                     \
                         : "r"(UART_BASE), "r"((unsigned long)(value)),        \
                           "I"(offset)                                         \
                         : "memory")

// One 32-bit load `insn rd, offset(UART_BASE)`; rd starts as POISON.
#define LOAD(insn, offset)                                                     \
    ({                                                                         \
        unsigned long __rd = POISON;                                           \
        __asm__ __volatile__(".option push\n.option norvc\n" insn              \
                             " %0, %2(%1)\n.option pop"                        \
                             : "+r"(__rd)                                      \
                             : "r"(UART_BASE), "I"(offset)                     \
                             : "memory");                                      \
        __rd;                                                                  \
    })

// ---- 32-bit stores ----

// sb, sh, sw and sd to THR each print their low byte; the upper bytes are 0.
static void test_store_widths(void) {
    printf("widths: ");
    STORE("sb", UART_THR, 'A');
    STORE("sh", UART_THR, 'B');
    STORE("sw", UART_THR, 'C');
    STORE("sd", UART_THR, 'D');
    printf("\n");
}

// ---- 32-bit loads ----

// The scratch register holds 0x80, bit 7 set: lb and only lb sign-extends it
// (hv1k zero-extends the byte to the access width first, so in lh, lw, ld the
// sign bit, bit 15, 31 or 63, is 0). Offset 7 makes lh, lw, ld misaligned;
// on both QEMUs each is still one VM exit, which hv1k emulates as one access
// to SCR.
static void test_load_widths(void) {
    STORE("sb", UART_SCR, 0x80);
    check_equal(LOAD("lb", UART_SCR), (unsigned long)-128L, "lb of SCR 0x80 gives -128");
    check_equal(LOAD("lbu", UART_SCR), 128, "lbu of SCR 0x80 gives 128");
    check_equal(LOAD("lh", UART_SCR), 0x80, "lh of SCR 0x80 gives 0x80");
    check_equal(LOAD("lhu", UART_SCR), 0x80, "lhu of SCR 0x80 gives 0x80");
    check_equal(LOAD("lw", UART_SCR), 0x80, "lw of SCR 0x80 gives 0x80");
    check_equal(LOAD("lwu", UART_SCR), 0x80, "lwu of SCR 0x80 gives 0x80");
    check_equal(LOAD("ld", UART_SCR), 0x80, "ld of SCR 0x80 gives 0x80");
    // A wider store keeps only its low byte in the byte register.
    STORE("sw", UART_SCR, 0x1234567fUL);
    check_equal(LOAD("lbu", UART_SCR), 0x7f, "sw to SCR keeps the low byte 0x7f");
}

// The status registers, with nothing typed: LSR says THRE|TEMT (no DR),
// MSR says "cable plugged in", IIR says "no interrupt" and shows the FIFOs.
static void test_status_registers(void) {
    check_equal(LOAD("lbu", UART_LSR), LSR_THRE | LSR_TEMT, "LSR reads 0x60");
    check_equal(LOAD("lbu", UART_MSR), MSR_CTS | MSR_DSR | MSR_DCD, "MSR reads 0xb0");
    STORE("sb", UART_FCR, FCR_FIFO_ENABLE);
    check_equal(LOAD("lbu", UART_IIR), IIR_NO_INTERRUPT | IIR_FIFOS_ENABLED,
                "IIR reads 0xc1 with the FIFOs on");
    STORE("sb", UART_FCR, 0);
    check_equal(LOAD("lbu", UART_IIR), IIR_NO_INTERRUPT, "IIR reads 0x01 with them off");
}

// LCR.DLAB turns offsets 0 and 1 into the divisor latch (DLL, DLM); clearing
// it brings back THR and IER, whose content the DLM write must not touch.
static void test_divisor_latch(void) {
    STORE("sb", UART_IER, 0x05);
    STORE("sb", UART_LCR, LCR_DLAB | LCR_8N1);
    check_equal(LOAD("lbu", UART_LCR), LCR_DLAB | LCR_8N1, "LCR reads back 0x83");
    STORE("sb", UART_DLL, 0x0c); // 9600 baud: 1.8432 MHz / 16 / 12
    STORE("sb", UART_DLM, 0x00);
    check_equal(LOAD("lbu", UART_DLL), 0x0c, "DLL reads back 0x0c");
    check_equal(LOAD("lbu", UART_DLM), 0x00, "DLM reads back 0x00");
    STORE("sb", UART_LCR, LCR_8N1);
    check_equal(LOAD("lbu", UART_IER), 0x05, "IER still 0x05 after DLAB is cleared");
    STORE("sb", UART_IER, 0xff);
    check_equal(LOAD("lbu", UART_IER), 0x0f, "IER keeps only its low 4 bits");
    STORE("sb", UART_IER, 0);
}

// MCR has 5 bits (PC16550D data sheet): bits 5-7 read back as 0.
static void test_modem_control(void) {
    STORE("sb", UART_MCR, 0xff);
    check_equal(LOAD("lbu", UART_MCR), 0x1f, "MCR keeps only its low 5 bits");
    STORE("sb", UART_MCR, 0);
}

// Loop mode (PC16550D data sheet, MCR bit 4): the modem outputs drive the
// inputs, CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2 (Linux's 8250
// autoconfig() checks MSR 0x90 with OUT2 and RTS), and the transmitter feeds
// the receiver: each byte written to THR raises LSR.DR (and, with IER.ERBFI,
// IIR's "received data") and comes back through RBR; none reaches the
// console, which the test checks for the whole "<looped>".
static void test_loopback(void) {
    static const char bytes[] = "<looped>";
    int received = 1;
    STORE("sb", UART_MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
    check_equal(LOAD("lbu", UART_MSR), MSR_DCD | MSR_CTS,
                "loop mode: OUT2 and RTS read back in MSR as DCD and CTS (0x90)");
    STORE("sb", UART_MCR, MCR_LOOP | MCR_OUT1 | MCR_DTR);
    check_equal(LOAD("lbu", UART_MSR), MSR_RI | MSR_DSR,
                "loop mode: OUT1 and DTR read back in MSR as RI and DSR (0x60)");
    STORE("sb", UART_IER, IER_RX);
    for (const char *b = bytes; *b; b++) {
        STORE("sb", UART_THR, *b);
        received &= LOAD("lbu", UART_LSR) == (LSR_THRE | LSR_TEMT | LSR_DR);
        received &= LOAD("lbu", UART_IIR) == IIR_RX;
        received &= LOAD("lbu", UART_RBR) == (unsigned char)*b;
        received &= LOAD("lbu", UART_LSR) == (LSR_THRE | LSR_TEMT);
    }
    STORE("sb", UART_IER, 0);
    STORE("sb", UART_MCR, 0);
    check(received, "loop mode: each byte written to THR raises LSR.DR and IIR's "
                    "received data, and RBR returns it");
}

// `lb x0, 5(t0)`: the load is done and its value thrown away. The guest then
// goes on with the next instruction (li), with t0 and t1 as they were.
static void test_load_into_x0(void) {
    unsigned long t0 = 0, t1 = 0, after = 0;
    __asm__ __volatile__(".option push\n.option norvc\n"
                         "li t1, 0x1234\n"
                         "mv t0, %3\n"
                         "lb x0, 5(t0)\n"
                         "li %0, 1\n"
                         "mv %1, t0\n"
                         "mv %2, t1\n"
                         ".option pop"
                         : "=&r"(after), "=&r"(t0), "=&r"(t1)
                         : "r"(UART_BASE)
                         : "t0", "t1", "memory");
    check_got(after == 1 && t0 == UART_BASE && t1 == 0x1234,
              "lb x0, 5(t0) runs on and changes nothing",
              "next instruction ran: %lu, t0 0x%lx, t1 0x%lx", after, t0, t1);
}

// ---- Compressed loads and stores, registers x8-x15 ----
// c.sw/c.lw/c.sd/c.ld take their base and data registers from x8-x15: a4 and
// a5 (x14, x15) here.

// c.sw a5, 0(a4): THR.
static void c_sw_thr(unsigned long value) {
    register unsigned long base __asm__("a4") = UART_BASE;
    register unsigned long data __asm__("a5") = value;
    __asm__ __volatile__("c.sw %1, 0(%0)" ::"r"(base), "r"(data) : "memory");
}

// c.sw a5, 4(a4): MCR.
static void c_sw_mcr(unsigned long value) {
    register unsigned long base __asm__("a4") = UART_BASE;
    register unsigned long data __asm__("a5") = value;
    __asm__ __volatile__("c.sw %1, 4(%0)" ::"r"(base), "r"(data) : "memory");
}

// c.lw a5, 4(a4): MCR, sign-extended from 32 bits.
static unsigned long c_lw_mcr(void) {
    register unsigned long base __asm__("a4") = UART_BASE;
    register unsigned long data __asm__("a5") = POISON;
    __asm__ __volatile__("c.lw %0, 4(%1)" : "+r"(data) : "r"(base) : "memory");
    return data;
}

// c.sd a5, 0(a4): THR, or DLL while LCR.DLAB = 1.
static void c_sd_0(unsigned long value) {
    register unsigned long base __asm__("a4") = UART_BASE;
    register unsigned long data __asm__("a5") = value;
    __asm__ __volatile__("c.sd %1, 0(%0)" ::"r"(base), "r"(data) : "memory");
}

// c.ld a5, 0(a4): RBR, or DLL while LCR.DLAB = 1.
static unsigned long c_ld_0(void) {
    register unsigned long base __asm__("a4") = UART_BASE;
    register unsigned long data __asm__("a5") = POISON;
    __asm__ __volatile__("c.ld %0, 0(%1)" : "+r"(data) : "r"(base) : "memory");
    return data;
}

// ---- Compressed sp-relative loads and stores ----
// c.swsp/c.lwsp/c.sdsp/c.ldsp address memory only through sp, so each of
// these borrows sp: it saves sp, points it at the UART, runs the one
// instruction, and puts sp back. Nothing in between uses the stack: no calls,
// and the guest's interrupts are off (main clears sstatus.SIE).
// `var` holds rs2 of a store, or gets rd of a load.
#define WITH_SP_AT_UART(insn, var)                                             \
    do {                                                                       \
        unsigned long __saved;                                                 \
        __asm__ __volatile__("mv %[saved], sp\n"                               \
                             "mv sp, %[base]\n" insn "\n"                      \
                             "mv sp, %[saved]"                                 \
                             : [saved] "=&r"(__saved), [data] "+r"(var)        \
                             : [base] "r"(UART_BASE)                           \
                             : "memory");                                      \
    } while (0)

static void c_swsp_thr(unsigned long value) {
    WITH_SP_AT_UART("c.swsp %[data], 0(sp)", value);
}

// c.swsp to MCR: c.lwsp offsets are multiples of 4, so besides RBR (offset
// 0, which would read input) MCR (offset 4) is the register it can check.
static void c_swsp_mcr(unsigned long value) {
    WITH_SP_AT_UART("c.swsp %[data], 4(sp)", value);
}

static unsigned long c_lwsp_mcr(void) {
    unsigned long data = POISON;
    WITH_SP_AT_UART("c.lwsp %[data], 4(sp)", data);
    return data;
}

static void c_sdsp_0(unsigned long value) {
    WITH_SP_AT_UART("c.sdsp %[data], 0(sp)", value);
}

static unsigned long c_ldsp_0(void) {
    unsigned long data = POISON;
    WITH_SP_AT_UART("c.ldsp %[data], 0(sp)", data);
    return data;
}

static void test_compressed(void) {
    // Stores to THR print: c.sw, c.sd, c.swsp, c.sdsp.
    printf("compressed: ");
    c_sw_thr('E');
    c_sd_0('F');
    c_swsp_thr('G');
    c_sdsp_0('H');
    printf("\n");
    // MCR (offset 4) through x8-x15 and through sp.
    c_sw_mcr(0x03);
    check_equal(c_lw_mcr(), 0x03, "c.sw then c.lw of MCR gives 0x03");
    c_swsp_mcr(0x08);
    check_equal(c_lwsp_mcr(), 0x08, "c.swsp then c.lwsp of MCR gives 0x08");
    c_sw_mcr(0);
    // The doubleword forms reach only offset 0: DLL, behind LCR.DLAB.
    STORE("sb", UART_LCR, LCR_DLAB | LCR_8N1);
    c_sd_0(0x01);
    check_equal(c_ld_0(), 0x01, "c.sd then c.ld of DLL gives 0x01");
    c_sdsp_0(0x03);
    check_equal(c_ldsp_0(), 0x03, "c.sdsp then c.ldsp of DLL gives 0x03");
    STORE("sb", UART_LCR, LCR_8N1);
}

int main(void) {
    // The sp-relative tests borrow sp: no interrupt may come in between.
    WRITE_CSR(sstatus, READ_CSR(sstatus) & ~SSTATUS_SIE);
    test_store_widths();
    test_load_widths();
    test_status_registers();
    test_divisor_latch();
    test_modem_control();
    test_loopback();
    test_load_into_x0();
    test_compressed();
    printf("uart_widths: done\n");
    return 0;
}
