// common.h: definitions shared by the hypervisor and its guests: CSR access,
// the spec names of bits and codes, hv1k's memory map, SBI, exit statuses,
// and a tiny printf (each program supplies its own putchar).
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

// ---- CSR access, the "OS in 1,000 lines" way ----
#define READ_CSR(reg)                                                          \
    ({                                                                         \
        unsigned long __v;                                                     \
        __asm__ __volatile__("csrr %0, " #reg : "=r"(__v));                    \
        __v;                                                                   \
    })
#define WRITE_CSR(reg, value)                                                  \
    do {                                                                       \
        unsigned long __v = (value);                                           \
        __asm__ __volatile__("csrw " #reg ", %0" ::"r"(__v) : "memory");       \
    } while (0)

// ---- Privileged spec: sstatus ("Supervisor-Level ISA", "Supervisor Status Register") ----
#define SSTATUS_SIE (1UL << 1)   // interrupts enabled in S-mode
#define SSTATUS_SPIE (1UL << 5)  // SIE before the trap
#define SSTATUS_SPP (1UL << 8)   // privilege before the trap: 1 = S
#define SSTATUS_FS (3UL << 13)   // floating-point unit state
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN (2UL << 13)
#define SSTATUS_FS_DIRTY (3UL << 13)

// Interrupt numbers, as bits of sie/sip/hvip/hideleg.
#define IRQ_VS_SOFT 2  // VSSIP: virtual supervisor software interrupt
#define IRQ_S_TIMER 5  // STIP: the hypervisor's own timer
#define IRQ_VS_TIMER 6 // VSTIP
#define IRQ_S_EXT 9    // SEIP: the hypervisor's own external interrupt
#define IRQ_VS_EXT 10  // VSEIP

// scause: the top bit says interrupt; the rest is the code.
#define SCAUSE_INTERRUPT (1UL << 63)
#define SCAUSE_INSN_MISALIGNED 0
#define SCAUSE_ILLEGAL_INSN 2
#define SCAUSE_BREAKPOINT 3
#define SCAUSE_LOAD_MISALIGNED 4
#define SCAUSE_STORE_MISALIGNED 6 // store or AMO
#define SCAUSE_USER_ECALL 8
#define SCAUSE_VIRTUAL_SUPERVISOR_ECALL 10
#define SCAUSE_INSN_PAGE_FAULT 12
#define SCAUSE_LOAD_PAGE_FAULT 13
#define SCAUSE_STORE_PAGE_FAULT 15
#define SCAUSE_INSN_GUEST_PAGE_FAULT 20
#define SCAUSE_LOAD_GUEST_PAGE_FAULT 21
#define SCAUSE_VIRTUAL_INSTRUCTION 22
#define SCAUSE_STORE_GUEST_PAGE_FAULT 23

// ---- Hypervisor extension CSRs (privileged spec, ch. "Hypervisor Extension") ----
#define HSTATUS_SPV (1UL << 7)   // V before the trap: 1 = it came from the guest
#define HSTATUS_SPVP (1UL << 8)  // guest privilege before the trap: 1 = VS
#define HSTATUS_VTVM (1UL << 20) // trap guest sfence.vma / satp
#define HSTATUS_VTW (1UL << 21)  // trap guest wfi
#define HSTATUS_VTSR (1UL << 22) // trap guest sret
#define HGATP_MODE_SV39X4 (8UL << 60)
#define HGATP_VMID_SHIFT 44
#define HCOUNTEREN_CY (1UL << 0) // guest may read cycle,
#define HCOUNTEREN_TM (1UL << 1) // time
#define HCOUNTEREN_IR (1UL << 2) // and instret without a VM exit
#define HENVCFG_STCE (1UL << 63) // Sstc: the guest has its own vstimecmp

// Page-table entries (Sv39, and Sv39x4 for the G-stage).
#define PAGE_SIZE 4096UL
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define SATP_MODE_SV39 (8UL << 60)

// ---- The machine: QEMU virt, as the host and as each VM sees it ----
#define UART_BASE 0x10000000UL   // 16550 UART, real on the host, emulated in a VM
#define UART_SIZE 0x100UL
#define UART_RBR 0 // receive buffer (read), transmit holding (write)
#define UART_IER 1 // interrupt enable
#define UART_IIR 2 // interrupt identification (read), FIFO control (write)
#define UART_LCR 3 // line control; bit 7 (DLAB) swaps in the divisor latch
#define UART_MCR 4 // modem control
#define UART_LSR 5 // line status
#define UART_MSR 6 // modem status
#define UART_SCR 7 // scratch
#define IER_RX 0x01   // ERBFI: interrupt when data is ready
#define IER_THRE 0x02 // ETBEI: interrupt when THR is empty
#define IER_BITS 0x0f // the bits IER has (PC16550D data sheet): 4-7 read 0
#define MCR_BITS 0x1f // the bits MCR has: DTR, RTS, OUT1, OUT2, LOOP; 5-7 read 0
#define MCR_DTR 0x01  // the modem outputs: data terminal ready, request to send,
#define MCR_RTS 0x02  // and OUT1, OUT2
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10 // loop mode: the outputs drive the inputs, THR feeds RBR
#define LCR_DLAB 0x80
#define LSR_DR 0x01   // data ready
#define LSR_THRE 0x20 // transmit holding register empty
#define LSR_TEMT 0x40 // transmitter empty
#define IIR_NONE 0x01 // no interrupt pending
#define IIR_THRE 0x02 // transmit holding register empty
#define IIR_RX 0x04   // received data available
#define IIR_FIFOS_ENABLED 0xc0
#define FCR_FIFO_ENABLE 0x01
#define MSR_CTS 0x10 // clear to send, data set ready and carrier detect:
#define MSR_DSR 0x20 // "a cable is plugged in"
#define MSR_RI 0x40  // ring indicator
#define MSR_DCD 0x80
#define PLIC_BASE 0x0c000000UL // platform-level interrupt controller
#define PLIC_SIZE 0x400000UL
#define PLIC_SOURCES 32              // priority registers 0-31 (0 is unused)
#define PLIC_PENDING 0x1000          // one bit per source
#define PLIC_ENABLE_CTX1 0x2080      // 0x2000 + 0x80 * context
#define PLIC_THRESHOLD_CTX1 0x201000 // 0x200000 + 0x1000 * context
#define PLIC_CLAIM_CTX1 0x201004     // read: claim, write: complete
#define PLIC_ENABLE(ctx) (0x2000 + 0x80 * (ctx)) // the same for any context
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_THRESHOLD(ctx) + 4)
#define PLIC_S_CONTEXT(hartid) (2 * (hartid) + 1) // QEMU virt: hart h's S-mode
#define UART_IRQ 10                  // the UART's PLIC source on QEMU virt
#define SIFIVE_TEST_BASE 0x100000UL // QEMU's "finisher": a write ends QEMU
#define TIMEBASE_HZ 10000000UL      // the `time` CSR counts at 10 MHz
#define GUEST_RAM_BASE 0x80000000UL // guest physical address of guest RAM
// Host physical layout: OpenSBI, then hv1k at 0x80200000 and its page pool,
// then the boot-info page that run.sh fills, then the templates (each
// guest's image, device tree and initrd, as run.sh loaded them), then, from
// 3 GiB up, the pool that every VM's RAM comes from. QEMU 7.2 puts its own
// device tree for OpenSBI in the 2 MiB below 3 GiB once -m reaches past
// it, which it always does here: templates end below that. QEMU 8 and
// later put it in the last 2 MiB of host RAM: run.sh leaves those out of
// the pool.
#define BOOT_INFO_HPA 0x81fff000UL
#define TEMPLATES_HPA 0x82000000UL
#define QEMU_FDT_HPA 0xbfe00000UL
#define RAM_POOL_HPA 0xc0000000UL
#define MAX_VMS 8

// What run.sh tells the hypervisor (a file QEMU's -device loader puts at
// BOOT_INFO_HPA). A template describes one guest: what goes where in a
// fresh VM's RAM, and how it starts.
#define BOOT_INFO_MAGIC 0x6b31766862697473UL // "stibhv1k"
#define BOOT_SSTC (1UL << 0)       // template: the guest owns vstimecmp
#define BOOT_SERVE (1UL << 0)      // boot info: a fresh VM per request
#define BOOT_INPUT_FILE (1UL << 1) // boot info: requests come from `input`
#define SERVE_REQUEST_MAX 4096     // bytes in one request line, at most
struct boot_piece {
    uint64_t hpa, gpa, size; // `size` bytes at host `hpa` go to guest `gpa`
};
struct template {
    uint64_t ram_size; // bytes of guest RAM at GUEST_RAM_BASE
    uint64_t entry;    // guest physical address of the first instruction
    uint64_t dtb;      // guest physical address of the VM's device tree
    uint64_t flags;    // BOOT_SSTC
    struct boot_piece piece[3]; // the image, the device tree, the initrd
};
struct boot_info {
    uint64_t magic;       // BOOT_INFO_MAGIC, or run.sh did not start us
    uint64_t vm_count;    // templates in use: one VM each (--serve: 1)
    uint64_t flags;       // BOOT_SERVE, BOOT_INPUT_FILE
    uint64_t timeout;     // seconds each VM may run; 0: no limit
    uint64_t pool_size;   // bytes of host RAM for VMs at RAM_POOL_HPA
    uint64_t input;       // --serve from a file: its host address,
    uint64_t input_size;  // and size
    uint64_t request_gpa; // --serve: where a request goes in guest RAM
    uint64_t trace;       // --trace: how many exits of each VM to print; 0: none
    uint64_t harts;       // harts to run: one per VM (--serve: --harts)
    struct template templates[MAX_VMS];
};

// Exit statuses of QEMU (and of run.sh), listed in README.md.
#define EXIT_SHUTDOWN 0      // the guest shut down cleanly
#define EXIT_USAGE 2         // bad usage, or an image that does not fit (run.sh)
#define EXIT_GUEST_FAILURE 3 // the guest reported a failure through SRST
#define EXIT_VM_ENDED 4      // the hypervisor ended the VM (a guest fault)
#define EXIT_NO_H 5          // the CPU has no H extension
#define EXIT_PANIC 6         // a bug in the hypervisor itself
#define EXIT_TIME_LIMIT 8    // the VM ran past --timeout

// ---- SBI (SBI spec v2.0) ----
#define SBI_SUCCESS 0
#define SBI_ERR_NOT_SUPPORTED -2
#define SBI_ERR_INVALID_PARAM -3
#define SBI_ERR_INVALID_ADDRESS -5
#define SBI_ERR_ALREADY_AVAILABLE -6

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_LEGACY_LAST 0x0F // legacy EIDs are 0x00-0x0F (0x09-0x0F reserved)
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_RFENCE 0x52464E43
#define SBI_EXT_HSM 0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_PMU 0x504D55
#define SBI_EXT_DBCN 0x4442434E
// hv1k's own hypercalls, in the experimental range 0x08000000-0x08FFFFFF:
// 0x08 then "HVK".
#define SBI_EXT_HV1K 0x0848564B
#define HV1K_SBI_IMPL_ID 0x6876316B // "hv1k": not an ID the SBI spec assigns
#define HV1K_SBI_IMPL_VERSION 1
#define HV1K_READ_FILE 0 // (name, name_len, buf, buf_len) -> bytes copied
#define HV1K_RESPOND 1   // (buf, len): --serve's answer; ends the VM

#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID 1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_BASE_GET_MVENDORID 4
#define SBI_BASE_GET_MARCHID 5
#define SBI_BASE_GET_MIMPID 6
#define SBI_RFENCE_FENCE_I 0
#define SBI_RFENCE_SFENCE_VMA 1
#define SBI_RFENCE_SFENCE_VMA_ASID 2
#define SBI_HSM_HART_START 0
#define SBI_HSM_HART_STOP 1
#define SBI_HSM_HART_GET_STATUS 2
#define SBI_HSM_STATE_STARTED 0
#define SBI_DBCN_WRITE 0
#define SBI_DBCN_READ 1
#define SBI_DBCN_WRITE_BYTE 2
#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_COLD_REBOOT 1
#define SBI_SRST_WARM_REBOOT 2
#define SBI_SRST_NO_REASON 0
#define SBI_SRST_SYSTEM_FAILURE 1

struct sbiret {
    long error;
    long value;
};

// An SBI call: the caller is the hypervisor (answered by OpenSBI) or a
// guest (answered by hv1k). Arguments in a0-a5, FID in a6, EID in a7.
static inline struct sbiret sbi_call(long eid, long fid, long arg0, long arg1,
                                     long arg2, long arg3) {
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = arg1;
    register long a2 __asm__("a2") = arg2;
    register long a3 __asm__("a3") = arg3;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = eid;
    __asm__ __volatile__("ecall"
                         : "+r"(a0), "+r"(a1)
                         : "r"(a2), "r"(a3), "r"(a6), "r"(a7)
                         : "memory");
    return (struct sbiret){a0, a1};
}

// ---- A tiny printf: %s %c %d %u %x, with 'l' for long (%ld, %lu, %lx) ----
void putchar(char ch);

static inline void print_number(unsigned long n, unsigned base) {
    char digits[24];
    int i = 0;
    do {
        digits[i++] = "0123456789abcdef"[n % base];
        n /= base;
    } while (n);
    while (i > 0)
        putchar(digits[--i]);
}

static inline void vprintf(const char *fmt, va_list ap) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putchar(*fmt);
            continue;
        }
        int is_long = fmt[1] == 'l';
        fmt += 1 + is_long;
        if (*fmt == 's') {
            for (const char *s = va_arg(ap, const char *); *s; s++)
                putchar(*s);
        } else if (*fmt == 'c') {
            putchar((char)va_arg(ap, int));
        } else if (*fmt == 'x' || *fmt == 'u') {
            print_number(is_long ? va_arg(ap, unsigned long)
                                 : va_arg(ap, unsigned), *fmt == 'x' ? 16 : 10);
        } else if (*fmt == 'd') {
            long n = is_long ? va_arg(ap, long) : va_arg(ap, int);
            if (n < 0)
                putchar('-');
            print_number(n < 0 ? -(unsigned long)n : (unsigned long)n, 10);
        } else {
            putchar('%');
            putchar(*fmt);
        }
    }
}

static inline __attribute__((format(printf, 1, 2))) void
printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

// memset and memcpy move 8 bytes at a time when they can: hv1k scrubs and
// fills whole VMs' RAM with them.
static inline void *memset(void *dst, int c, size_t n) {
    uint8_t *p = dst;
    if (c == 0 && ((uintptr_t)p | n) % 8 == 0) {
        for (uint64_t *w = dst; n; n -= 8)
            *w++ = 0;
        return dst;
    }
    while (n--)
        *p++ = (uint8_t)c;
    return dst;
}

static inline void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (((uintptr_t)d | (uintptr_t)s | n) % 8 == 0) {
        for (size_t i = 0; i < n; i += 8)
            *(uint64_t *)(d + i) = *(const uint64_t *)(s + i);
        return dst;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}
