// hv1k: a RISC-V hypervisor in one file.
//
// It runs in HS-mode under OpenSBI, makes a VM from the guest image run.sh
// loaded, gives it a G-stage page table, enters the guest with `sret`, and
// handles every VM exit in one C function. Read it as a hardware
// try/catch: enter_guest() is the `try`, a VM exit is the `throw`, scause is
// the error, handle_trap() is the `catch`, and returning from it resumes the
// guest with a value (the continuation).
//
// The file follows the life of a VM: boot, allocate, G-stage table, create,
// enter, catch, resume, and at the end destroy. With --serve, that life is
// lived again for every request. Several VMs run side by side, one per
// hart, each living that life on its own hart (section 11).
#include "common.h"

// ============================================================================
// 1. Boot: console, ending the run, and the two things a CPU must have.
//    The book: chapter 1, docs/01-boot.md.
// ============================================================================

// What the harts share, each item with the one lock that guards it (a
// reader finds every shared thing by its lock's name):
// - console.lock: the real UART, and every line printed whole (section 1);
// - input.lock: which VM gets typed input, and each VM's ring of it (section 2);
// - serve.lock: --serve's input, its counts and figures (section 10);
// - `running`: the VMs not ended yet, changed only by atomic operations.
// Read-only once the other harts start: boot_info, cpu_sstc, and the
// G-stage tables (the page allocator runs at boot only, on the
// boot hart). Everything else is one hart's own: struct hart (section 2).

// What run.sh tells hv1k: the guests' templates, the options (common.h).
static const struct boot_info *const boot_info = (const struct boot_info *)BOOT_INFO_HPA;

static int cpu_sstc; // the CPU has Sstc (probed once, at boot)

// Several VMs run side by side (not --serve): their lines carry "[N] ".
static int several_vms(void) {
    return !(boot_info->flags & BOOT_SERVE) && boot_info->vm_count > 1;
}

// A spinlock, xv6's with a ticket: each hart takes the next number and
// waits until it is served, so harts get the lock in the order they asked
// and none starves (one VM's flood of output cannot keep another's out).
struct spinlock {
    unsigned long next, serving;
};

static void lock(struct spinlock *l) {
    unsigned long ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
        ;
}

static void unlock(struct spinlock *l) {
    __atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

// The host's real 16550 UART (OpenSBI set it up). hv1k uses it directly,
// under console.lock once several harts run.
static volatile uint8_t *const host_uart = (uint8_t *)UART_BASE;
static struct {
    struct spinlock lock;
    char last_output;       // the last byte put on the console
    const struct vm *owner; // the VM whose bytes those were; NULL: hv1k's
} console;

void putchar(char ch) {
    while (!(host_uart[UART_LSR] & LSR_THRE))
        ;
    host_uart[UART_RBR] = (uint8_t)ch;
    console.last_output = ch;
}

// Ends QEMU with `status` (EXIT_*) through the sifive_test finisher: 0x5555
// means pass, (code << 16) | 0x3333 makes QEMU exit with `code`.
__attribute__((noreturn)) static void power_off(int status) {
    volatile uint32_t *finisher = (uint32_t *)SIFIVE_TEST_BASE;
    *finisher = status == 0 ? 0x5555 : ((uint32_t)status << 16) | 0x3333;
    for (;;)
        __asm__ __volatile__("wfi");
}

// The student skeleton (tests/skeleton.sh) adds todo() here: every region
// of this file between "EXERCISE N" and "END EXERCISE N" becomes a call
// to it, which ends the run saying which exercise is still to be written.

// Typed input goes to one VM at a time, the one with the input focus;
// Ctrl-] moves the focus on to the next VM (section 9).
#define KEY_NEXT_VM 0x1d // Ctrl-]
struct vm;
static struct {
    struct spinlock lock; // guards `focus`, and each VM's ring of typed bytes
    struct vm *focus;     // the VM that gets what is typed
} input;
static void input_to_next_vm(void);

// csrs and csrc: set or clear bits of a CSR in one instruction, where a
// read and a write would be two CSR accesses (each costs QEMU a return to
// its main loop) and could lose a bit the hardware changed in between.
#define SET_CSR_BITS(reg, bits)                                                \
    __asm__ __volatile__("csrs " #reg ", %0" ::"r"(bits) : "memory")
#define CLEAR_CSR_BITS(reg, bits)                                              \
    __asm__ __volatile__("csrc " #reg ", %0" ::"r"(bits) : "memory")

// For bugs in hv1k only: a guest must never be able to reach a PANIC.
#define PANIC(fmt, ...)                                                        \
    do {                                                                       \
        printf("PANIC: %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__);  \
        power_off(EXIT_PANIC);                                                 \
    } while (0)

// A trap taken while hv1k's own code runs, and not expected: a hypervisor bug.
__attribute__((noreturn)) void handle_hypervisor_fault(void) {
    PANIC("trap in the hypervisor itself: scause 0x%lx, sepc 0x%lx, stval 0x%lx",
          READ_CSR(scause), READ_CSR(sepc), READ_CSR(stval));
}

static unsigned long min(unsigned long a, unsigned long b) { return a < b ? a : b; }

// ============================================================================
// 2. Allocate: the VM, its vCPU, pages for page tables, and guest RAM.
//    The book: chapter 2, docs/02-memory.md.
// ============================================================================

// a0's index in vcpu->regs: SBI arguments are a0-a7 (x10-x17).
#define REG_A0 10

struct vcpu {
    unsigned long regs[32]; // the guest's x0..x31, saved at every exit
    unsigned long pc;       // where the guest resumes (sepc)
    // hv1k's own, for this hart: the top of its stack, and the flag below.
    unsigned long stack_top;
    volatile long trap_expected;
    struct vm *vm;
    unsigned long timer;    // set_timer's deadline without Sstc; -1: none
};
// The entry stub below addresses regs by register number, and the fields
// after them by these offsets.
_Static_assert(offsetof(struct vcpu, regs) == 0, "entry stub: regs at 0");
_Static_assert(offsetof(struct vcpu, pc) == 256, "entry stub: pc at 256");
_Static_assert(offsetof(struct vcpu, stack_top) == 264, "entry stub: stack_top at 264");
_Static_assert(offsetof(struct vcpu, trap_expected) == 272, "entry stub: trap_expected at 272");

// While hv1k runs on a hart, tp holds that hart's vCPU (xv6 keeps its
// hart's number there): the one way to find what is this hart's own.
static struct vcpu *this_vcpu(void) {
    struct vcpu *vcpu;
    __asm__("mv %0, tp" : "=r"(vcpu));
    return vcpu;
}

// trap_expected is set to 1 around one instruction that may trap in hv1k's
// own code (a probe, or HLVX reading a guest instruction). hypervisor_trap
// (below) then skips the instruction and clears it, instead of treating the
// trap as a bug. Such an instruction must run with hstatus.SPV = 0: a trap
// that OpenSBI takes in M-mode and passes on (illegal instruction, access
// fault) leaves hstatus alone, and hypervisor_trap's sret would otherwise
// enter the guest. After it: did it trap? Clears the flag either way, so
// that any later trap in hv1k is a PANIC again.
static int expected_trap_came(void) {
    int came = !this_vcpu()->trap_expected;
    this_vcpu()->trap_expected = 0;
    return came;
}

// The emulated 16550's registers, as the guest's driver last wrote them.
struct uart16550 {
    uint8_t reg[8];     // by offset: THR, IER, FCR (at IIR's offset), LCR, MCR, SCR
    uint8_t dll, dlm;   // the divisor latch, at offsets 0-1 while LCR.DLAB=1
    int thr_empty_irq;  // the "THR empty" interrupt is pending
    int looped;         // loop mode: THR's byte waits in RBR (LSR.DR)
};

// The emulated interrupt controller's state (context 1 only).
struct plic {
    uint32_t priority[PLIC_SOURCES], enable, threshold, claimed;
};

// Why the guest left, counted for the summary line when the VM ends.
struct exit_counts {
    unsigned long sbi, mmio, timer, irq, virtual_insn;
};

// A VM: first its place, which it keeps for the whole run (its RAM, its
// G-stage table, its number), then its life, which vm_create makes fresh.
struct vm {
    const struct template *template;
    uint64_t *gstage_root; // the G-stage page table: GPA -> host address
    uint8_t *ram;          // guest RAM as hv1k sees it (host address)
    unsigned long ram_size;
    int leaf_level;        // its G-stage leaves: 2 = 1 GiB, 1 = 2 MiB, 0 = 4 KiB
    int id;                // its number: VM 1, 2, ...; also its VMID
    unsigned long hartid;  // the hart it runs on (OpenSBI's number)
    // ---- its life: from here on, zeroed by vm_create ----
    unsigned long deadline; // `time` at which --timeout ends it; -1: never
    unsigned long started_at; // `time` of its first entry
    unsigned long request; // with --serve: the request it serves (1, 2, ...)
    unsigned long read_at; // with --serve: `time` its request was read
    unsigned long exits_to_trace; // --trace: how many more exits to print
    int status, ended;     // how it ended, once it has (several VMs)
    char line[120];        // output not printed yet (several VMs), and
    unsigned long line_len, flush_at; // `time` to print it even unfinished
    uint8_t typed[256];    // what was typed for it, read at typed_head,
    unsigned long typed_head, typed_tail; // written at typed_tail
    struct uart16550 uart;
    struct plic plic;
    struct exit_counts exits;
    struct vcpu vcpu;
};

// One hart's own: hv1k's stack there and the hart's VM. The stack's top
// meets the VM, 2 KiB into a page, so that one page holds what a VM exit
// touches of both (see linker.ld).
#define HART_STACK_SIZE (16 * 1024 - 2048)
struct hart {
    _Alignas(PAGE_SIZE) uint8_t stack[HART_STACK_SIZE];
    struct vm vm;
};
static struct hart harts[MAX_VMS]; // harts[0] is the hart OpenSBI booted
struct vcpu *vcpu_of_hart[MAX_VMS]; // by hart ID, for a hart that comes to boot

static int running; // VMs (or --serve's harts) not ended yet: atomic only

// Typed input: hv1k drains the real UART into the ring of the VM with the
// focus whenever it interrupts, so that its interrupt never stays raised
// while the guest is not reading. A full ring drops bytes, as a real
// UART's overrun does. Asking "is there input?" looks only at the VM's
// ring: a read of the real UART costs QEMU about 2 µs, on every guest LSR
// read. (While hv1k runs, a byte that arrives waits for the next entry
// into the guest, where hv1k's interrupt is taken at once.)
static void host_uart_drain(void) {
    lock(&input.lock);
    /* EXERCISE 8: the UART input path */
    struct vm *vm = input.focus;
    while (host_uart[UART_LSR] & LSR_DR) {
        uint8_t ch = host_uart[UART_RBR];
        if (ch == KEY_NEXT_VM && several_vms()) {
            input_to_next_vm(); // the rest is the next VM's
            break;
        }
        if (vm->typed_tail - vm->typed_head < sizeof vm->typed)
            vm->typed[vm->typed_tail++ % sizeof vm->typed] = ch;
    }
    /* END EXERCISE 8 */
    unlock(&input.lock);
}

// Is there typed input for `vm`? A look without the lock: a stale answer
// only delays a byte until the guest looks again.
static int host_input_ready(const struct vm *vm) {
    return vm->typed_head != vm->typed_tail;
}

// Returns the next byte typed on the host console for `vm`, or -1.
static int host_getchar(struct vm *vm) {
    int ch = -1;
    lock(&input.lock);
    if (host_input_ready(vm))
        ch = vm->typed[vm->typed_head++ % sizeof vm->typed];
    unlock(&input.lock);
    return ch;
}

extern char __free_ram[]; // from linker.ld: the first page after hv1k
static uint8_t *next_free_page = (uint8_t *)__free_ram;

// Returns `count` zeroed pages aligned to `align` bytes (a power of two),
// from the pool after hv1k, which ends where the boot-info page begins.
// Page tables live as long as the run. Only the boot hart allocates, at
// boot, before the other harts start: no lock.
static void *alloc_pages(unsigned long count, unsigned long align) {
    uint8_t *p = (uint8_t *)(((unsigned long)next_free_page + align - 1) &
                             ~(align - 1));
    if (p + count * PAGE_SIZE > (uint8_t *)BOOT_INFO_HPA)
        PANIC("out of memory for page tables");
    next_free_page = p + count * PAGE_SIZE;
    return memset(p, 0, count * PAGE_SIZE);
}

// ============================================================================
// 3. The G-stage page table: guest physical -> host physical.
//    The book: chapter 3, docs/03-gstage.md.
// ============================================================================
// Sv39x4 (privileged spec, "Guest Physical Address Translation"): Sv39 with a
// 41-bit GPA, so the root table has 2048 entries (16 KiB, 16 KiB-aligned),
// indexed by GPA[40:30]; the two lower levels are ordinary 512-entry tables.
#define PTE_TABLE_ADDRESS(pte) ((uint64_t *)(((pte) >> 10) << 12))

// The bytes one G-stage leaf of the VM maps.
static unsigned long leaf_size(const struct vm *vm) {
    return PAGE_SIZE << (9 * vm->leaf_level);
}

// Returns the leaf entry for `gpa` (at the VM's leaf level: a leaf at level
// 2 or 1 is a superpage), creating the tables on the way.
static uint64_t *gstage_leaf(struct vm *vm, unsigned long gpa) {
    /* EXERCISE 1: G-stage mapping */
    uint64_t *table = vm->gstage_root;
    for (int level = 2;; level--) {
        uint64_t *pte = &table[(gpa >> (12 + 9 * level)) & (level == 2 ? 0x7ff : 0x1ff)];
        if (level == vm->leaf_level)
            return pte;
        if (!(*pte & PTE_V)) // a new, empty table below this entry
            *pte = ((unsigned long)alloc_pages(1, PAGE_SIZE) >> 12) << 10 | PTE_V;
        table = PTE_TABLE_ADDRESS(*pte);
    }
    /* END EXERCISE 1 */
}

// Maps one leaf of guest RAM to host memory. Every G-stage access counts as
// a user access, so leaves need U. A is preset (QEMU 10, with Svadu, may
// fault on a clear one); D starts clear and says "the guest wrote this
// leaf": the hardware sets it (QEMU 7.2), or handle_guest_page_fault does.
// vm_destroy restores only such leaves; the others are as the template left them.
static void gstage_map_page(struct vm *vm, unsigned long gpa, unsigned long hpa,
                            unsigned long perms) {
    /* EXERCISE 1: G-stage mapping */
    uint64_t *pte = gstage_leaf(vm, gpa);
    if (*pte & PTE_V)
        PANIC("G-stage: GPA 0x%lx is already mapped", gpa);
    *pte = (hpa >> 12) << 10 | perms | PTE_U | PTE_A | PTE_V;
    /* END EXERCISE 1 */
}

// HFENCE.GVMA: forget cached G-stage translations (privileged spec,
// "Hypervisor Memory-Management Fence Instructions").
static void hfence_gvma_all(void) {
    __asm__ __volatile__(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory");
}

// HFENCE.VVMA: forget the current guest's cached VS-stage translations.
static void hfence_vvma_all(void) {
    __asm__ __volatile__(".insn r 0x73, 0, 0x11, x0, x0, x0" ::: "memory");
}

// ============================================================================
// 4. Create and destroy: a VM from a template, like a process from a
//    program file. run.sh loaded the guest's pieces (image, device tree,
//    initrd) once, into hv1k's memory, and described them in the boot info.
//    The book: chapters 2 and 13, docs/02-memory.md and docs/13-serve.md.
// ============================================================================

static void vcpu_reset(struct vcpu *vcpu);

// Returns hv1k's address for guest RAM [gpa, gpa + len), or NULL unless every
// byte of it is guest RAM. Guest pointers are checked here before any use.
static uint8_t *guest_ram(struct vm *vm, unsigned long gpa, unsigned long len) {
    unsigned long offset = gpa - GUEST_RAM_BASE; // huge if gpa is below RAM
    if (offset > vm->ram_size || len > vm->ram_size - offset)
        return NULL;
    return vm->ram + offset;
}

// Gives VM `id` its place for the whole run: guest RAM at host address
// `ram`, a G-stage table that maps it, and template `t`'s pieces copied in.
// Every life of the VM (vm_create) finds them there, as vm_destroy left
// them: like a process started again from a snapshot. At boot, on the boot
// hart, for every VM.
static void vm_build(struct vm *vm, int id, const struct template *t, uint8_t *ram) {
    vm->template = t;
    vm->id = id;
    vm->gstage_root = alloc_pages(4, 4 * PAGE_SIZE);
    vm->ram = ram;
    vm->ram_size = t->ram_size;
    // The largest G-stage leaf that tiles guest RAM, at host addresses it
    // aligns with (GPA 0x80000000 is 1 GiB-aligned): a TLB miss then walks
    // fewer levels. A VM per request lives briefly and is restored leaf by
    // leaf: 4 KiB.
    unsigned long tiles = t->ram_size | (unsigned long)ram;
    vm->leaf_level = tiles % (1UL << 30) == 0 ? 2 : tiles % (1UL << 21) == 0;
    if (boot_info->flags & BOOT_SERVE)
        vm->leaf_level = 0;
    for (unsigned long off = 0; off < vm->ram_size; off += leaf_size(vm))
        gstage_map_page(vm, GUEST_RAM_BASE + off, (unsigned long)ram + off,
                        PTE_R | PTE_W | PTE_X);
    for (int i = 0; i < 3; i++) {
        const struct boot_piece *p = &t->piece[i];
        uint8_t *to = guest_ram(vm, p->gpa, p->size);
        if (!to)
            PANIC("the guest's image, device tree or initrd is not in its RAM");
        memcpy(to, (void *)p->hpa, p->size);
    }
    vm->vcpu.vm = vm;
    vm->vcpu.stack_top = (unsigned long)vm; // the hart's stack ends at its VM
}

// A new life for the VM, on its own hart: fresh devices, exit counts and
// vCPU, the vCPU in its boot state, and a new time limit.
static void vm_create(struct vm *vm) {
    memset(&vm->deadline, 0, sizeof *vm - offsetof(struct vm, deadline));
    vm->vcpu.vm = vm;
    vm->vcpu.stack_top = (unsigned long)vm;
    vm->exits_to_trace = boot_info->trace;
    vm->flush_at = -1UL;
    vcpu_reset(&vm->vcpu);
    vm->deadline = boot_info->timeout ? READ_CSR(time) + boot_info->timeout * TIMEBASE_HZ
                                      : -1UL;
}

// Puts the guest RAM leaf at `gpa` back as the template has it: zeros, and
// whatever part of the template's pieces falls in it.
static void restore_leaf(struct vm *vm, unsigned long gpa, uint8_t *page) {
    /* EXERCISE 10: --serve's create and destroy */
    memset(page, 0, leaf_size(vm));
    for (int i = 0; i < 3; i++) {
        const struct boot_piece *p = &vm->template->piece[i];
        unsigned long from = p->gpa > gpa ? p->gpa : gpa;
        unsigned long to = min(p->gpa + p->size, gpa + leaf_size(vm));
        if (from < to)
            memcpy(page + (from - gpa), (uint8_t *)p->hpa + (from - p->gpa), to - from);
    }
    /* END EXERCISE 10 */
}

// Ends the VM's life before the next VM: every leaf it wrote (D set) is put
// back as the template has it, so the next VM sees nothing of this one.
// Leaves it never wrote are as they were, and the G-stage table stays.
static void vm_destroy(struct vm *vm) {
    /* EXERCISE 10: --serve's create and destroy */
    for (unsigned long off = 0; off < vm->ram_size; off += leaf_size(vm)) {
        uint64_t *leaf = gstage_leaf(vm, GUEST_RAM_BASE + off);
        if (*leaf & PTE_D)
            restore_leaf(vm, GUEST_RAM_BASE + off, vm->ram + off);
        *leaf &= ~PTE_D;
    }
    /* END EXERCISE 10 */
}

// Marks the guest RAM that hv1k itself wrote for the guest (DBCN read,
// read_file, a request) as written, so that vm_destroy restores it too.
static void mark_written(struct vm *vm, unsigned long gpa, unsigned long len) {
    for (unsigned long at = gpa & ~(leaf_size(vm) - 1); at < gpa + len; at += leaf_size(vm))
        *gstage_leaf(vm, at) |= PTE_D;
}

// ============================================================================
// 5. Enter: the vCPU's first state, and the `try` that runs it.
//    The book: chapter 4, docs/04-enter.md.
// ============================================================================

// The guest's own exceptions (hedeleg) go straight to its trap handler; what
// is left leaves the VM: VS-mode ecall (SBI), guest-page faults (MMIO) and
// virtual instructions. OpenSBI emulates misaligned loads and stores in
// M-mode, but passes misaligned atomics on, by hedeleg: to the guest.
#define GUEST_EXCEPTIONS                                                       \
    ((1UL << SCAUSE_INSN_MISALIGNED) | (1UL << SCAUSE_ILLEGAL_INSN) |          \
     (1UL << SCAUSE_BREAKPOINT) | (1UL << SCAUSE_LOAD_MISALIGNED) |            \
     (1UL << SCAUSE_STORE_MISALIGNED) | (1UL << SCAUSE_USER_ECALL) |           \
     (1UL << SCAUSE_INSN_PAGE_FAULT) | (1UL << SCAUSE_LOAD_PAGE_FAULT) |       \
     (1UL << SCAUSE_STORE_PAGE_FAULT))
// The guest's interrupts (hideleg): hv1k raises them in hvip, the guest takes them.
#define GUEST_INTERRUPTS                                                       \
    ((1UL << IRQ_VS_SOFT) | (1UL << IRQ_VS_TIMER) | (1UL << IRQ_VS_EXT))

void trap_entry(void); // where every trap lands (below)

// The CSRs that are the same for every VM, set once on each hart before
// its first VM: every hart has its own.
static void hypervisor_csrs_init(void) {
    WRITE_CSR(sscratch, 0); // hv1k is running (see trap_entry)
    WRITE_CSR(stvec, (unsigned long)trap_entry);
    // sret enters VS-mode: SPV=1 (V=1), SPVP = S. No traps on wfi, sret or
    // satp: the guest manages its own VS-level state.
    WRITE_CSR(hstatus, (READ_CSR(hstatus) | HSTATUS_SPV | HSTATUS_SPVP) &
                           ~(HSTATUS_VTW | HSTATUS_VTSR | HSTATUS_VTVM));
    WRITE_CSR(hedeleg, GUEST_EXCEPTIONS);
    WRITE_CSR(hideleg, GUEST_INTERRUPTS);
    WRITE_CSR(hcounteren, HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR);
    WRITE_CSR(htimedelta, 0);
    // With V=1 an FP instruction needs both sstatus.FS and vsstatus.FS
    // non-Off. SPIE=0: hv1k runs with interrupts off; HS-level interrupts
    // are taken anyway while V=1, and wake hv1k's own wfi.
    WRITE_CSR(sstatus, (READ_CSR(sstatus) & ~(SSTATUS_SIE | SSTATUS_SPIE)) |
                           SSTATUS_FS_INITIAL);
    // hv1k's own interrupts: its timer and the host console.
    WRITE_CSR(sie, 1UL << IRQ_S_TIMER | 1UL << IRQ_S_EXT);
}

// Zeros f0-f31 and fcsr: a new VM must not see what the last one left in
// the FPU. hv1k is built without F: fmv.d.x fN, zero is spelled out.
void fpu_zero(void);
__asm__(".section .text.fpu_zero, \"ax\"\n" // not in .text: see linker.ld
        "fpu_zero:\n"
        "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
        "22,23,24,25,26,27,28,29,30,31\n"
        "    .insn r 0x53, 0, 0x79, x\\n, x0, x0\n" // fmv.d.x fN, zero
        "    .endr\n"
        "    csrw 0x003, zero\n" // fcsr
        "    ret\n");

// Puts the zeroed vCPU in the state the Linux boot protocol asks for (a0 =
// hart id 0, a1 = device tree, paging off in VS-mode), and the guest's
// S-level CSRs in the state of a supervisor fresh out of reset.
static void vcpu_reset(struct vcpu *vcpu) {
    struct vm *vm = vcpu->vm;
    /* EXERCISE 2: entering the guest */
    vcpu->regs[REG_A0 + 1] = vm->template->dtb;
    vcpu->pc = vm->template->entry;
    vcpu->timer = -1UL;
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SPP); // sret to VS-mode
    WRITE_CSR(henvcfg, vm->template->flags & BOOT_SSTC ? HENVCFG_STCE : 0);
    fpu_zero();
    WRITE_CSR(vsstatus, SSTATUS_FS_INITIAL);
    WRITE_CSR(vsatp, 0);
    WRITE_CSR(vstvec, 0);
    WRITE_CSR(vsie, 0);
    WRITE_CSR(vsepc, 0);
    WRITE_CSR(vscause, 0);
    WRITE_CSR(vstval, 0);
    WRITE_CSR(vsscratch, 0);
    WRITE_CSR(hvip, 0);
    WRITE_CSR(senvcfg, 0);
    WRITE_CSR(scounteren, 0);
    // QEMU resets vstimecmp to 0, and QEMU 10 raises the guest's timer
    // interrupt from it even with henvcfg.STCE clear: park it at "never".
    if (cpu_sstc)
        WRITE_CSR(vstimecmp, -1UL);
    /* END EXERCISE 2 */
    // hgatp: the G-stage mode (Sv39x4), the VMID (the VM's number), and
    // the root table's page number. The VMID served the VM's last life on
    // this hart: forget its translations.
    WRITE_CSR(hgatp, HGATP_MODE_SV39X4 | (unsigned long)vm->id << HGATP_VMID_SHIFT |
                         (unsigned long)vm->gstage_root >> 12);
    hfence_vvma_all();
    hfence_gvma_all();
}

// enter_guest(vcpu) is the `try`: it loads the guest's registers and pc
// from the vCPU and `sret`s into the guest (hstatus.SPV=1 makes sret switch
// to V=1). It never returns. The guest's trap is the `throw`: it lands in
// trap_entry, which saves the guest's registers, starts hv1k on a fresh
// stack and calls handle_trap, the `catch`. Like a thrown exception, an
// exit unwinds whatever hv1k was doing: hv1k keeps nothing on its stack
// while the guest runs, so it has no registers of its own to save.
// handle_trap returns the vCPU to resume, and trap_entry goes on into
// enter_guest with it. sscratch holds the vCPU while the guest runs and 0
// while hv1k runs, which tells a VM exit from a trap in hv1k itself. The
// vCPU leads to everything else of this hart's: tp gets it (this_vcpu), sp
// its stack_top. No global is read, so every hart can take exits at once.
__attribute__((noreturn)) void enter_guest(struct vcpu *vcpu);
__asm__(".text\n"
        ".align 2\n"
        ".globl trap_entry\n"
        "trap_entry:\n"
        "    csrrw a0, sscratch, a0\n" // a0 = vcpu, or 0: hv1k itself trapped
        "    beqz a0, hypervisor_trap\n"
        "    .irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,"
        "23,24,25,26,27,28,29,30,31\n"
        "    sd x\\n, 8*\\n(a0)\n"
        "    .endr\n"
        "    csrrw t0, sscratch, zero\n" // the guest's a0; hv1k runs now
        "    sd t0, 8*10(a0)\n"
        "    mv tp, a0\n"
        "    ld sp, 264(a0)\n" // vcpu->stack_top
        // jal, not call (auipc + jalr): QEMU chains a direct jump, but
        // looks an indirect one up in its tables, after every exit.
        "    jal handle_trap\n" // returns a0 = the vCPU to resume
        "\n"
        ".globl enter_guest\n"
        "enter_guest:\n"
        "    csrw sscratch, a0\n"
        "    ld t0, 256(a0)\n" // vcpu->pc
        "    csrw sepc, t0\n"
        "    .irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,"
        "23,24,25,26,27,28,29,30,31\n"
        "    ld x\\n, 8*\\n(a0)\n"
        "    .endr\n"
        "    ld a0, 8*10(a0)\n"
        "    sret\n"
        "\n"
        // A trap in hv1k's own code: skip the instruction if it was expected
        // (this hart's vcpu->trap_expected = 1, cleared here), otherwise it
        // is a bug.
        "hypervisor_trap:\n"
        "    csrrw a0, sscratch, a0\n" // a0 back; sscratch is 0 again
        "    csrw sscratch, t0\n"      // borrow t0
        "    ld t0, 272(tp)\n"         // vcpu->trap_expected
        "    sd zero, 272(tp)\n"
        "    bnez t0, 1f\n"
        "    j handle_hypervisor_fault\n"
        "1:  csrr t0, sepc\n"
        "    addi t0, t0, 4\n" // every expected trapper is 4 bytes long
        "    csrw sepc, t0\n"
        "    csrrw t0, sscratch, zero\n"
        "    sret\n"
        "\n"
        // Where a hart starts on its own stack, with tp = its vCPU:
        // run_hart(vcpu) goes to hart_main, the first time (HSM starts a
        // hart at hart_entry with a1 = the vCPU hv1k gave it); restart(vcpu)
        // goes to start_vm, after each new life of its VM.
        ".globl hart_entry, run_hart, restart\n"
        "hart_entry:\n"
        "    mv a0, a1\n"
        "run_hart:\n"
        "    mv tp, a0\n"
        "    ld sp, 264(a0)\n"
        "    j hart_main\n"
        "restart:\n"
        "    mv tp, a0\n"
        "    ld sp, 264(a0)\n"
        "    j start_vm\n");

// ============================================================================
// 6. Catch: every VM exit lands in handle_trap().
//    The book: chapter 5, docs/05-catch.md.
// ============================================================================

// The handlers, one per kind of exit (sections 7-9 below).
static unsigned long handle_sbi_call(struct vcpu *vcpu);
static unsigned long handle_guest_page_fault(struct vcpu *vcpu, unsigned long scause);
static unsigned long handle_virtual_instruction(struct vcpu *vcpu);
static unsigned long handle_timer_interrupt(struct vcpu *vcpu);
static unsigned long handle_external_interrupt(struct vcpu *vcpu);
static inline void plic_update(struct vm *vm); // the guest's external interrupt
static void arm_host_timer(struct vcpu *vcpu);
static void wait_for_turn(struct vm *vm);
__attribute__((noreturn)) static void
serve_request_ended(struct vm *vm, unsigned long ended_at, int answered);
static const char *sbi_extension_name(unsigned long eid);
__attribute__((noreturn)) void restart(struct vcpu *vcpu);

// What a VM prints. With one hart it goes out at once. With several, it
// waits in the VM's line buffer until the line is whole (or the buffer
// full, or the VM quiet for FLUSH_DELAY, so that a prompt shows), and
// vm_flush prints it whole: lines of different VMs never mix.
#define FLUSH_DELAY (TIMEBASE_HZ / 50) // 20 ms
static void vm_flush(struct vm *vm);

static void vm_putchar(struct vm *vm, char ch) {
    if (boot_info->harts == 1) {
        putchar(ch);
        return;
    }
    vm->line[vm->line_len++] = ch;
    if (ch == '\n' || vm->line_len == sizeof vm->line) {
        vm_flush(vm);
    } else if (vm->line_len == 1) {
        vm->flush_at = READ_CSR(time) + FLUSH_DELAY;
        arm_host_timer(&vm->vcpu);
    }
}

// Prints the VM's buffered bytes, under the console lock: after "[N] " when
// they start a line of the VM's own (several VMs), and on a new line if
// another VM left one open. With --serve, only once the requests before
// this one have printed everything.
static void vm_flush(struct vm *vm) {
    if (vm->line_len == 0)
        return;
    wait_for_turn(vm);
    lock(&console.lock);
    int own_line = console.owner == vm && console.last_output != '\n';
    if (!own_line && console.last_output != '\n')
        putchar('\n');
    if (!own_line && several_vms())
        printf("[%d] ", vm->id);
    for (unsigned long i = 0; i < vm->line_len; i++)
        putchar(vm->line[i]);
    console.owner = vm;
    unlock(&console.lock);
    vm->line_len = 0;
    vm->flush_at = -1UL;
}

// hv1k's own line about `vm` (NULL: about the whole run), printed whole on
// a line of its own: "hv1k: ", "hv1k: vm N: " when several VMs run, or
// "request N: " for a request's VM.
static void vsay(struct vm *vm, const char *fmt, va_list ap) {
    if (vm) {
        vm_flush(vm);
        wait_for_turn(vm);
    }
    lock(&console.lock);
    if (console.last_output != '\n')
        putchar('\n');
    if (vm && vm->request)
        printf("request %lu: ", vm->request);
    else
        printf("hv1k: ");
    if (vm && several_vms())
        printf("vm %d: ", vm->id);
    vprintf(fmt, ap);
    putchar('\n');
    console.owner = NULL;
    unlock(&console.lock);
}

__attribute__((format(printf, 2, 3))) static void say(struct vm *vm, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsay(vm, fmt, ap);
    va_end(ap);
}

// Stops this hart for good (SBI HSM hart_stop): its VM has ended.
__attribute__((noreturn)) static void hart_stop(void) {
    sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0);
    PANIC("SBI hart_stop failed");
}

// One of several VMs has ended: its hart stops, and the input moves on if
// it had it. The last VM to end ends the run, with one line per VM and the
// status of the first VM that did not shut down cleanly (0 if all did).
static const char *const endings[] = {
    [EXIT_SHUTDOWN] = "shut down", [EXIT_GUEST_FAILURE] = "guest failure",
    [EXIT_VM_ENDED] = "ended by hv1k", [EXIT_TIME_LIMIT] = "time limit"};

__attribute__((noreturn)) static void vm_stop(struct vm *vm, int status) {
    vm->status = status;
    __atomic_store_n(&vm->ended, 1, __ATOMIC_RELEASE);
    lock(&input.lock);
    if (input.focus == vm)
        input_to_next_vm();
    unlock(&input.lock);
    /* EXERCISE 11: a hart per VM: start and stop */
    if (__atomic_sub_fetch(&running, 1, __ATOMIC_ACQ_REL) > 0)
        hart_stop();
    /* END EXERCISE 11 */
    int run_status = EXIT_SHUTDOWN;
    for (unsigned long i = 0; i < boot_info->vm_count; i++) {
        struct vm *v = &harts[i].vm;
        say(NULL, "vm %d ended: status %d (%s)", v->id, v->status, endings[v->status]);
        if (run_status == EXIT_SHUTDOWN)
            run_status = v->status;
    }
    power_off(run_status);
}

// Ends the VM: says why (printf-style, nothing if `why` is NULL), and prints
// how often it exited, by reason. With one VM that ends the run, with its
// status; with several, its hart stops; with --serve the VM is destroyed
// and the next request's made. It never returns: whatever hv1k was doing
// for this VM is over.
__attribute__((noreturn, format(printf, 3, 4))) static void
vm_end(struct vm *vm, int status, const char *why, ...) {
    unsigned long ended_at = READ_CSR(time);
    va_list ap;
    va_start(ap, why);
    if (why)
        vsay(vm, why, ap);
    va_end(ap);
    struct exit_counts *e = &vm->exits;
    if (!vm->request)
        say(vm, "vm exits: sbi %lu, mmio %lu, timer %lu, irq %lu, virtual-insn %lu",
            e->sbi, e->mmio, e->timer, e->irq, e->virtual_insn);
    if (boot_info->flags & BOOT_SERVE) // only respond ends a VM without a word
        serve_request_ended(vm, ended_at, why == NULL);
    if (!several_vms()) // the only VM: its end is the run's
        power_off(status);
    vm_stop(vm, status);
}

// A guest's reboot: the VM is destroyed and made again from its template,
// on its own hart.
__attribute__((noreturn)) static void vm_reboot(struct vm *vm) {
    if (vm->request) // a request's VM has one life
        vm_end(vm, EXIT_VM_ENDED, "guest asked for a reboot");
    say(vm, "guest rebooted; starting it again");
    vm_destroy(vm);
    vm_create(vm);
    restart(&vm->vcpu);
}

// An exit no handler expects: end the VM with everything that explains it.
__attribute__((noreturn)) static void
end_vm_on_unexpected_trap(struct vcpu *vcpu, unsigned long scause) {
    vm_end(vcpu->vm, EXIT_VM_ENDED,
           "unexpected VM exit: scause 0x%lx, sepc 0x%lx, stval 0x%lx, "
           "htval 0x%lx, htinst 0x%lx", scause, vcpu->pc, READ_CSR(stval),
           READ_CSR(htval), READ_CSR(htinst));
}

// --trace N (run.sh): each VM's first N exits are printed, one line each,
// after the catch block handled them: the cause, what hv1k did, and how
// far the guest's pc moved (a long way: to its own trap vector). An exit
// that ends the VM prints the VM's ending instead. Not tracing costs an
// exit one load and one branch.
__attribute__((cold)) static void
trace_exit(const struct vcpu *vcpu, unsigned long scause, unsigned long pc) {
    const unsigned long *a = &vcpu->regs[REG_A0];
    struct vm *vm = vcpu->vm;
    const char *ext = sbi_extension_name(a[7]);
    unsigned long gpa = READ_CSR(htval) << 2 | (READ_CSR(stval) & 3), hvip = READ_CSR(hvip);
    long step = (long)(vcpu->pc - pc);
    vm->exits_to_trace--;
    lock(&console.lock);
    if (console.last_output != '\n') // the guest's own output left a line open
        putchar('\n');
    printf("exit %lu vm %lu: ", boot_info->trace - vm->exits_to_trace,
           vm->request ? vm->request : (unsigned long)vm->id);
    if (scause == SCAUSE_VIRTUAL_SUPERVISOR_ECALL)
        printf("VS ecall, SBI %s FID %lu, answered %ld, %ld", ext ? ext : "unknown",
               a[6], (long)a[0], (long)a[1]);
    else if (scause == SCAUSE_VIRTUAL_INSTRUCTION)
        printf("virtual instruction, illegal instruction injected");
    else if (scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER))
        printf("timer interrupt, VSTIP %s", hvip & 1UL << IRQ_VS_TIMER ? "raised" : "low");
    else if (scause == (SCAUSE_INTERRUPT | IRQ_S_EXT))
        printf("external interrupt, VSEIP %s", hvip & 1UL << IRQ_VS_EXT ? "raised" : "low");
    else // a guest-page fault: a device access, or a first store to a RAM page
        printf("%s guest-page fault at GPA 0x%lx, %s",
               scause == SCAUSE_STORE_GUEST_PAGE_FAULT ? "store" : "load", gpa,
               step ? "emulated" : "D bit set");
    printf(" -> %s%ld\n", step < 0 ? "" : "+", step);
    console.owner = NULL;
    unlock(&console.lock);
}

// The `catch` block. Each case handles one kind of exit and returns how far
// the guest's pc moves on: past the ecall or the emulated load/store, or 0
// when the guest resumes where it was (an interrupt) or was redirected.
// Returning the vCPU resumes it: that is the continuation. Only scause and
// sepc are read here; a handler reads the other trap CSRs it needs itself
// (each CSR access costs QEMU a call into its helpers, on every exit).
struct vcpu *handle_trap(struct vcpu *vcpu) {
    unsigned long scause = READ_CSR(scause), pc = READ_CSR(sepc);
    /* EXERCISE 3: the catch block's dispatch */
    vcpu->pc = pc;
    switch (scause) {
    case SCAUSE_VIRTUAL_SUPERVISOR_ECALL:
        vcpu->pc += handle_sbi_call(vcpu);
        break;
    case SCAUSE_INSN_GUEST_PAGE_FAULT:
    case SCAUSE_LOAD_GUEST_PAGE_FAULT:
    case SCAUSE_STORE_GUEST_PAGE_FAULT:
        vcpu->pc += handle_guest_page_fault(vcpu, scause);
        break;
    case SCAUSE_VIRTUAL_INSTRUCTION:
        vcpu->pc += handle_virtual_instruction(vcpu);
        break;
    case SCAUSE_INTERRUPT | IRQ_S_TIMER:
        vcpu->pc += handle_timer_interrupt(vcpu);
        break;
    case SCAUSE_INTERRUPT | IRQ_S_EXT:
        vcpu->pc += handle_external_interrupt(vcpu);
        break;
    default:
        end_vm_on_unexpected_trap(vcpu, scause);
    }
    /* END EXERCISE 3 */
    if (vcpu->vm->exits_to_trace)
        trace_exit(vcpu, scause, pc);
    return vcpu;
}

// Sets hv1k's own timer on this hart for the first of the VM's time limit,
// the moment to print its unfinished line and, without Sstc, the guest's
// set_timer deadline. With Sstc it is one CSR write; without, a call into
// OpenSBI.
static void arm_host_timer(struct vcpu *vcpu) {
    struct vm *vm = vcpu->vm;
    unsigned long when = min(min(vcpu->timer, vm->deadline), vm->flush_at);
    if (cpu_sstc)
        WRITE_CSR(stimecmp, when);
    else
        sbi_call(SBI_EXT_TIME, 0, (long)when, 0, 0, 0);
}

// Where a hart goes once its VM is made (at first, after a reboot, and
// with --serve for each request), with a fresh stack: it starts the VM.
__attribute__((noreturn)) void start_vm(struct vcpu *vcpu) {
    vcpu->vm->started_at = READ_CSR(time);
    arm_host_timer(vcpu);
    enter_guest(vcpu);
}

// ============================================================================
// 7. SBI: the services a guest asks for with ecall (SBI spec v2.0).
//    a7 = extension ID (EID), a6 = function ID (FID), a0-a5 = arguments;
//    the answer is a struct sbiret in a0 (error) and a1 (value).
//    The book: chapter 6, docs/06-sbi.md (the timer: chapter 8).
// ============================================================================

#define SBI_OK(value) ((struct sbiret){SBI_SUCCESS, (long)(value)})
#define SBI_ERROR(code) ((struct sbiret){(code), 0})

// Checks a hart mask (SBI spec, "Hart list parameter"): -1 if it names a hart
// that does not exist, 1 if it names hart 0 (the only one), 0 if none. A base
// that is no hart is an error even with an empty mask ("Hart Mask Errors").
static int hart_mask_check(unsigned long mask, unsigned long mask_base) {
    if (mask_base == -1UL) // all harts
        return 1;
    if (mask_base != 0 || mask > 1)
        return -1;
    return (int)mask;
}

// The guest's timer. With Sstc the guest owns vstimecmp: Linux writes it
// directly, with no exit per tick, and set_timer is one CSR write. Without
// Sstc, hv1k keeps the deadline, sets its own timer for it, and raises the
// guest's timer interrupt (hvip.VSTIP) when it fires; each set_timer lowers
// it again, as the TIME extension asks. That costs two exits per tick.
static void set_guest_timer(struct vcpu *vcpu, unsigned long when) {
    /* EXERCISE 7: timer delivery */
    if (vcpu->vm->template->flags & BOOT_SSTC) { // the guest owns vstimecmp
        WRITE_CSR(vstimecmp, when);
        return;
    }
    CLEAR_CSR_BITS(hvip, 1UL << IRQ_VS_TIMER);
    vcpu->timer = when;
    arm_host_timer(vcpu);
    /* END EXERCISE 7 */
}

// Legacy extensions (SBI spec, "Legacy Extensions"): the answer goes in a0
// only (handle_sbi_call leaves a1 alone).
__attribute__((cold)) static struct sbiret
sbi_legacy(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    switch (a[7]) {
    case SBI_EXT_LEGACY_SET_TIMER:
        set_guest_timer(vcpu, a[0]);
        return SBI_OK(0);
    case SBI_EXT_LEGACY_PUTCHAR:
        vm_putchar(vcpu->vm, (char)a[0]);
        return SBI_OK(0);
    case SBI_EXT_LEGACY_GETCHAR: { // a0 = the byte, or -1
        int ch = host_getchar(vcpu->vm);
        plic_update(vcpu->vm); // the UART's "data ready" may have dropped
        return SBI_ERROR(ch);
    }
    default: // SBI_EXT_LEGACY_SHUTDOWN
        vm_end(vcpu->vm, EXIT_SHUTDOWN, "guest shut down (legacy SBI shutdown)");
    }
}

static struct sbiret sbi_base(struct vcpu *vcpu, unsigned long fid,
                              unsigned long *a) {
    /* EXERCISE 4: an SBI call: the base extension */
    switch (fid) {
    case SBI_BASE_GET_SPEC_VERSION:
        return SBI_OK(2UL << 24); // major 2, minor 0
    case SBI_BASE_GET_IMPL_ID:
        return SBI_OK(HV1K_SBI_IMPL_ID);
    case SBI_BASE_GET_IMPL_VERSION:
        return SBI_OK(HV1K_SBI_IMPL_VERSION);
    case SBI_BASE_PROBE_EXTENSION:
        return SBI_OK(sbi_extension_name(a[0]) != NULL);
    case SBI_BASE_GET_MVENDORID: // a virtual CPU: no vendor, no
    case SBI_BASE_GET_MARCHID:   // architecture ID, no implementation ID
    case SBI_BASE_GET_MIMPID:
        return SBI_OK(0);
    default:
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    }
    /* END EXERCISE 4 */
}

// TIME set_timer(stime_value)
static struct sbiret sbi_time(struct vcpu *vcpu, unsigned long fid,
                              unsigned long *a) {
    if (fid != 0)
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    set_guest_timer(vcpu, a[0]);
    return SBI_OK(0);
}

// IPI send_ipi(hart_mask, hart_mask_base): to itself, on the only hart, an
// IPI is a VS-level software interrupt. The guest clears it (sip.SSIP).
__attribute__((cold)) static struct sbiret
sbi_ipi(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    int harts = hart_mask_check(a[0], a[1]);
    if (fid != 0)
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    if (harts < 0)
        return SBI_ERROR(SBI_ERR_INVALID_PARAM);
    if (harts)
        SET_CSR_BITS(hvip, 1UL << IRQ_VS_SOFT);
    return SBI_OK(0);
}

// RFENCE remote_fence_i, remote_sfence_vma(_asid)(hart_mask, base, ...): on
// one hart, a local fence. The remote_hfence_* calls are for guests that run
// guests of their own, which hv1k does not offer (no H in the device tree).
__attribute__((cold)) static struct sbiret
sbi_rfence(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    int harts = hart_mask_check(a[0], a[1]);
    if (fid > SBI_RFENCE_SFENCE_VMA_ASID)
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    if (harts < 0)
        return SBI_ERROR(SBI_ERR_INVALID_PARAM);
    if (harts && fid == SBI_RFENCE_FENCE_I)
        __asm__ __volatile__("fence.i" ::: "memory");
    else if (harts)
        hfence_vvma_all();
    return SBI_OK(0);
}

// HSM: hart 0 is the only hart, and it is running.
__attribute__((cold)) static struct sbiret
sbi_hsm(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    switch (fid) {
    case SBI_HSM_HART_START: // (hartid, start_addr, opaque)
        return SBI_ERROR(a[0] == 0 ? SBI_ERR_ALREADY_AVAILABLE
                                   : SBI_ERR_INVALID_PARAM);
    case SBI_HSM_HART_GET_STATUS: // (hartid)
        return a[0] == 0 ? SBI_OK(SBI_HSM_STATE_STARTED)
                         : SBI_ERROR(SBI_ERR_INVALID_PARAM);
    default: // hart_stop would stop the only hart; hart_suspend is optional
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    }
}

// SRST system_reset(reset_type, reset_reason): both are 32-bit values.
// Shutdown ends the VM with the guest's reason; a reboot makes it again.
__attribute__((cold)) static struct sbiret
sbi_srst(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    uint32_t type = (uint32_t)a[0], reason = (uint32_t)a[1];
    if (fid != 0)
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    // Reasons 2..0xDFFFFFFF are reserved; above them, implementation- and
    // vendor-specific ones, which hv1k counts as failures.
    if (type > SBI_SRST_WARM_REBOOT ||
        (reason > SBI_SRST_SYSTEM_FAILURE && reason < 0xE0000000))
        return SBI_ERROR(SBI_ERR_INVALID_PARAM);
    if (type != SBI_SRST_SHUTDOWN)
        vm_reboot(vcpu->vm);
    if (reason == SBI_SRST_NO_REASON)
        vm_end(vcpu->vm, EXIT_SHUTDOWN, "guest shut down (no reason)");
    vm_end(vcpu->vm, EXIT_GUEST_FAILURE, "guest shut down (system failure)");
}

// DBCN, the debug console: write(num_bytes, base_lo, base_hi),
// read(num_bytes, base_lo, base_hi) and write_byte(byte). The buffer is guest
// physical memory and must lie in guest RAM; on RV64 base_hi must be 0. A
// write prints at most DBCN_WRITE_MAX bytes, and answers how many: the spec
// allows partial writes, and no guest may hold hv1k for long.
#define DBCN_WRITE_MAX 4096
__attribute__((cold)) static struct sbiret
sbi_dbcn(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    if (fid == SBI_DBCN_WRITE_BYTE) {
        vm_putchar(vcpu->vm, (char)a[0]);
        return SBI_OK(0);
    }
    if (fid != SBI_DBCN_WRITE && fid != SBI_DBCN_READ)
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    uint8_t *buf = guest_ram(vcpu->vm, a[1], a[0]);
    if (!buf || a[2] != 0)
        return SBI_ERROR(SBI_ERR_INVALID_PARAM);
    unsigned long n = 0;
    if (fid == SBI_DBCN_WRITE)
        for (; n < min(a[0], DBCN_WRITE_MAX); n++)
            vm_putchar(vcpu->vm, (char)buf[n]);
    else // read what has been typed, without waiting
        for (int ch; n < a[0] && (ch = host_getchar(vcpu->vm)) >= 0; n++)
            buf[n] = (uint8_t)ch;
    if (fid == SBI_DBCN_READ)
        mark_written(vcpu->vm, a[1], n);
    plic_update(vcpu->vm); // the UART's "data ready" may have dropped
    return SBI_OK(n);
}

// hv1k's own hypercalls. The demo's "system call": read_file(name,
// name_len, buf, buf_len) copies the one file the hypervisor holds into guest
// memory and answers with the number of bytes copied (at most buf_len). A
// name or buffer not entirely in guest RAM: SBI_ERR_INVALID_ADDRESS; no such
// file: SBI_ERR_INVALID_PARAM. With --serve, respond(answer, len) is the
// function's return: it ends the VM (section 10).
static void serve_respond(struct vm *vm, const uint8_t *answer,
                          unsigned long len);

// read_file(a[0] = name, a[1] = name_len, a[2] = buf, a[3] = buf_len): every
// pointer and length is the guest's, so each is checked before hv1k uses it.
static struct sbiret read_file(struct vm *vm, const unsigned long *a) {
    /* EXERCISE 5: the read_file hypercall's pointer checks */
    static const char emoji_name[] = "emoji.txt", emoji[] = "\xf0\x9f\x8d\x8e"; // U+1F34E
    const uint8_t *name = guest_ram(vm, a[0], a[1]);
    uint8_t *buf = guest_ram(vm, a[2], a[3]);
    unsigned long same = 0, n = min(a[3], sizeof emoji - 1);
    if (!name || !buf)
        return SBI_ERROR(SBI_ERR_INVALID_ADDRESS);
    while (a[1] == sizeof emoji_name - 1 && same < a[1] && name[same] == emoji_name[same])
        same++; // the length first: never read past emoji_name
    if (a[1] != sizeof emoji_name - 1 || same < a[1])
        return SBI_ERROR(SBI_ERR_INVALID_PARAM);
    memcpy(buf, emoji, n);
    mark_written(vm, a[2], n);
    return SBI_OK(n);
    /* END EXERCISE 5 */
}

__attribute__((cold)) static struct sbiret
sbi_hv1k(struct vcpu *vcpu, unsigned long fid, unsigned long *a) {
    if (fid == HV1K_RESPOND && boot_info->flags & BOOT_SERVE) // (answer, len)
        serve_respond(vcpu->vm, guest_ram(vcpu->vm, a[0], a[1]), a[1]);
    if (fid != HV1K_READ_FILE)
        return SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    return read_file(vcpu->vm, a);
}

// The extensions hv1k offers, by name: the same list as handle_sbi_call's
// switch. probe_extension looks here (tests/guests/sbi_base.c probes every
// one), and so does --trace.
static const struct { unsigned long eid; const char *name; } sbi_extensions[] = {
    {SBI_EXT_LEGACY_SET_TIMER, "legacy set_timer"}, {SBI_EXT_LEGACY_PUTCHAR, "legacy putchar"},
    {SBI_EXT_LEGACY_GETCHAR, "legacy getchar"}, {SBI_EXT_LEGACY_SHUTDOWN, "legacy shutdown"},
    {SBI_EXT_BASE, "base"}, {SBI_EXT_TIME, "TIME"}, {SBI_EXT_IPI, "IPI"},
    {SBI_EXT_RFENCE, "RFENCE"}, {SBI_EXT_HSM, "HSM"}, {SBI_EXT_SRST, "SRST"},
    {SBI_EXT_DBCN, "DBCN"}, {SBI_EXT_HV1K, "hv1k"},
};

// The name of extension `eid`, or NULL if hv1k does not offer it.
static const char *sbi_extension_name(unsigned long eid) {
    for (unsigned long i = 0; i < sizeof sbi_extensions / sizeof sbi_extensions[0]; i++)
        if (sbi_extensions[i].eid == eid)
            return sbi_extensions[i].name;
    return NULL;
}

// A VS-mode ecall: a switch on the extension, with direct calls, not a table
// of function pointers: an indirect call costs QEMU a look-up of its
// translated code after every exit. The handlers that guests seldom call
// are marked cold, so that the compiler keeps them out of handle_trap and
// the exit path fits on one page (linker.ld). Unknown extensions answer
// SBI_ERR_NOT_SUPPORTED and the guest goes on.
static unsigned long handle_sbi_call(struct vcpu *vcpu) {
    unsigned long *a = &vcpu->regs[REG_A0], fid = a[6];
    struct sbiret ret;
    switch (a[7]) {
    case SBI_EXT_LEGACY_SET_TIMER: case SBI_EXT_LEGACY_PUTCHAR:
    case SBI_EXT_LEGACY_GETCHAR: case SBI_EXT_LEGACY_SHUTDOWN:
        ret = sbi_legacy(vcpu, fid, a); break;
    case SBI_EXT_BASE: ret = sbi_base(vcpu, fid, a); break;
    case SBI_EXT_TIME: ret = sbi_time(vcpu, fid, a); break;
    case SBI_EXT_IPI: ret = sbi_ipi(vcpu, fid, a); break;
    case SBI_EXT_RFENCE: ret = sbi_rfence(vcpu, fid, a); break;
    case SBI_EXT_HSM: ret = sbi_hsm(vcpu, fid, a); break;
    case SBI_EXT_SRST: ret = sbi_srst(vcpu, fid, a); break;
    case SBI_EXT_DBCN: ret = sbi_dbcn(vcpu, fid, a); break;
    case SBI_EXT_HV1K: ret = sbi_hv1k(vcpu, fid, a); break;
    default: ret = SBI_ERROR(SBI_ERR_NOT_SUPPORTED);
    }
    vcpu->vm->exits.sbi++;
    a[0] = (unsigned long)ret.error;
    // Legacy EIDs, offered or not, preserve every register but a0 (SBI spec,
    // "Legacy Extensions (EIDs #0x00 - #0x0F)").
    if (a[7] > SBI_EXT_LEGACY_LAST)
        a[1] = (unsigned long)ret.value;
    return 4; // the ecall instruction
}

// ============================================================================
// 8. MMIO: a guest load or store at a device address faults (the G-stage
//    maps only RAM); hv1k decodes the instruction, performs the access on
//    the emulated device, and resumes the guest after it.
//    The book: chapter 7, docs/07-mmio.md (console input: chapter 9).
// ============================================================================

// The emulated 16550 UART. Output goes to the real console at once, so the
// transmitter is always empty. Input is what the host console has: a byte
// waits in hv1k's ring (`typed`) until the guest reads it. Interrupts follow the
// 16550's rules: "data ready" while input waits and IER.ERBFI is set; "THR
// empty" after a THR write or when IER.ETBEI is set, until IIR reports it or
// THR is written again. In loop mode (MCR.LOOP, PC16550D data sheet) the
// modem outputs drive the modem inputs and the transmitter feeds the
// receiver, one byte at a time: Linux's 8250 autoconfig() tests both.

// LSR.DR: a byte waits for an RBR read. In loop mode the receiver hears only
// the transmitter.
static int uart_data_ready(const struct vm *vm) {
    const struct uart16550 *u = &vm->uart;
    return u->reg[UART_MCR] & MCR_LOOP ? u->looped : host_input_ready(vm);
}

// What the UART signals now, as IIR's low bits; not IIR_NONE means its
// interrupt line (PLIC source UART_IRQ) is raised.
static int uart_interrupt(struct vm *vm) {
    struct uart16550 *u = &vm->uart;
    if (u->reg[UART_IER] & IER_RX && uart_data_ready(vm))
        return IIR_RX;
    if (u->reg[UART_IER] & IER_THRE && u->thr_empty_irq)
        return IIR_THRE;
    return IIR_NONE;
}

static unsigned long uart_read(struct vm *vm, unsigned long offset) {
    struct uart16550 *u = &vm->uart;
    int ch, iir, mcr = u->reg[UART_MCR];
    if (u->reg[UART_LCR] & LCR_DLAB && offset <= UART_IER)
        return offset == UART_RBR ? u->dll : u->dlm;
    switch (offset) {
    case UART_RBR: // in loop mode, the byte THR sent last
        u->looped = 0;
        if (mcr & MCR_LOOP)
            return u->reg[UART_RBR];
        return (ch = host_getchar(vm)) < 0 ? 0 : ch;
    case UART_IIR: // reporting "THR empty" clears it
        if ((iir = uart_interrupt(vm)) == IIR_THRE)
            u->thr_empty_irq = 0;
        return iir | (u->reg[UART_IIR] & FCR_FIFO_ENABLE ? IIR_FIFOS_ENABLED : 0);
    case UART_LSR: // a guest that looks for input has printed its prompt
        if (vm->line_len) // (a test here keeps vm_flush off the exit path)
            vm_flush(vm);
        return LSR_THRE | LSR_TEMT | (uart_data_ready(vm) ? LSR_DR : 0);
    case UART_MSR: // in loop mode, CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2
        if (!(mcr & MCR_LOOP))
            return MSR_CTS | MSR_DSR | MSR_DCD;
        return (mcr & MCR_RTS ? MSR_CTS : 0) | (mcr & MCR_DTR ? MSR_DSR : 0) |
               (mcr & MCR_OUT1 ? MSR_RI : 0) | (mcr & MCR_OUT2 ? MSR_DCD : 0);
    default: // IER, LCR, MCR, SCR: what the driver wrote
        return offset < 8 ? u->reg[offset] : 0;
    }
}

static void uart_write(struct vm *vm, unsigned long offset, unsigned long value) {
    struct uart16550 *u = &vm->uart;
    if (u->reg[UART_LCR] & LCR_DLAB && offset <= UART_IER) {
        *(offset == UART_RBR ? &u->dll : &u->dlm) = (uint8_t)value;
    } else if (offset == UART_RBR) { // THR: sent at once, so empty again
        u->reg[UART_RBR] = (uint8_t)value; // in loop mode, to the receiver
        u->looped = (u->reg[UART_MCR] & MCR_LOOP) != 0;
        if (!u->looped)
            vm_putchar(vm, (char)value);
        u->thr_empty_irq = 1;
    } else if (offset < 8) { // IIR's offset holds FCR; LSR/MSR read computed
        uint8_t bits = offset == UART_IER ? IER_BITS : offset == UART_MCR ? MCR_BITS : 0xff;
        u->reg[offset] = (uint8_t)(value & bits);
        if (offset == UART_IER && value & IER_THRE)
            u->thr_empty_irq = 1;
    }
}

// The emulated PLIC, modelled on QEMU virt's with just what Linux's
// sifive,plic-1.0.0 driver uses: source priorities, pending bits, and for
// context 1 (hart 0's S-mode) the enables, threshold and claim/complete.
// Its one source is the UART. Raising hvip.VSEIP is the other half of the
// try/catch picture: an interrupt is the hypervisor's `throw` into the
// guest, caught by the guest's own trap handler.
static uint32_t plic_pending(struct vm *vm) { // raised lines not yet claimed
    uint32_t lines = uart_interrupt(vm) != IIR_NONE ? 1u << UART_IRQ : 0;
    return lines & ~vm->plic.claimed;
}

// The pending, enabled source of highest priority above the threshold, or 0
// (no source: 0 has no priority to compare with). Ties go to the lowest ID.
static uint32_t plic_best_source(struct vm *vm) {
    struct plic *p = &vm->plic;
    uint32_t ready = plic_pending(vm) & p->enable, best = 0;
    for (uint32_t src = 1; src < PLIC_SOURCES && ready >> src; src++)
        if (ready >> src & 1 && p->priority[src] > p->threshold &&
            (best == 0 || p->priority[src] > p->priority[best]))
            best = src;
    return best;
}

// Raises or lowers the guest's external interrupt (hvip.VSEIP) to match.
// It runs after every MMIO access, so it writes hvip only on a change:
// each write makes QEMU look again for an interrupt to take. Always
// inlined: a call and its return cost QEMU a look-up each, on every exit.
__attribute__((always_inline)) static inline void plic_update(struct vm *vm) {
    unsigned long hvip = READ_CSR(hvip), line = 1UL << IRQ_VS_EXT;
    unsigned long want = plic_best_source(vm) ? hvip | line : hvip & ~line;
    if (want != hvip)
        WRITE_CSR(hvip, want);
}

static unsigned long plic_read(struct vm *vm, unsigned long offset) {
    struct plic *p = &vm->plic;
    uint32_t src;
    if (offset < 4 * PLIC_SOURCES)
        return p->priority[offset / 4];
    if (offset == PLIC_PENDING)
        return plic_pending(vm);
    if (offset == PLIC_ENABLE_CTX1)
        return p->enable;
    if (offset == PLIC_THRESHOLD_CTX1)
        return p->threshold;
    if (offset != PLIC_CLAIM_CTX1)
        return 0;
    if ((src = plic_best_source(vm))) // claimed until completed
        p->claimed |= 1u << src;
    return src;
}

static void plic_write(struct vm *vm, unsigned long offset, unsigned long value) {
    struct plic *p = &vm->plic;
    if (offset >= 4 && offset < 4 * PLIC_SOURCES) // source 0 does not exist
        p->priority[offset / 4] = value & 7;
    else if (offset == PLIC_ENABLE_CTX1)
        p->enable = (uint32_t)value & ~1u; // there is no source 0
    else if (offset == PLIC_THRESHOLD_CTX1)
        p->threshold = value & 7;
    else if (offset == PLIC_CLAIM_CTX1 && value < PLIC_SOURCES)
        p->claimed &= ~(1u << value);
}

// The devices a VM has, at their guest physical addresses: the UART and the
// PLIC. Their models are called directly, as the SBI handlers are (see
// handle_sbi_call), not through a table of function pointers.
static int is_uart(unsigned long gpa) { return gpa - UART_BASE < UART_SIZE; }
static int is_device(unsigned long gpa) { return is_uart(gpa) || gpa - PLIC_BASE < PLIC_SIZE; }

static unsigned long device_read(struct vm *vm, unsigned long gpa) {
    return is_uart(gpa) ? uart_read(vm, gpa - UART_BASE)
                        : plic_read(vm, gpa - PLIC_BASE);
}

static void device_write(struct vm *vm, unsigned long gpa, unsigned long value) {
    if (is_uart(gpa))
        uart_write(vm, gpa - UART_BASE, value);
    else
        plic_write(vm, gpa - PLIC_BASE, value);
}

// A load or store, decoded from the instruction that faulted.
struct mmio_access {
    int is_store;
    int width;     // bytes: 1, 2, 4 or 8
    int is_signed; // the load sign-extends (lb, lh, lw, and c.lw)
    int reg;       // rd of a load, rs2 of a store
};

#define OPCODE_LOAD 0x03
#define OPCODE_STORE 0x23

// Decodes a 32-bit load (lb lh lw ld lbu lhu lwu) or store (sb sh sw sd).
// Returns 0 for anything else: hv1k does not emulate atomics or FP on devices.
static int decode_load_store(unsigned long insn, struct mmio_access *acc) {
    /* EXERCISE 6: MMIO decoding, compressed instructions too */
    unsigned funct3 = (insn >> 12) & 7;
    if ((insn & 0x7f) == OPCODE_LOAD && funct3 != 7)
        acc->reg = (insn >> 7) & 31;
    else if ((insn & 0x7f) == OPCODE_STORE && funct3 < 4)
        acc->reg = (insn >> 20) & 31;
    else
        return 0;
    acc->is_store = (insn & 0x7f) == OPCODE_STORE;
    acc->width = 1 << (funct3 & 3);
    acc->is_signed = !(funct3 & 4);
    return 1;
    /* END EXERCISE 6 */
}

// Decodes a compressed load or store: c.lw c.ld c.sw c.sd (quadrant 0, with
// registers x8-x15) and c.lwsp c.ldsp c.swsp c.sdsp (quadrant 2); their
// funct3 is 010, 011, 110, 111. Returns 0 for anything else.
static int decode_compressed_load_store(unsigned long insn,
                                        struct mmio_access *acc) {
    /* EXERCISE 6: MMIO decoding, compressed instructions too */
    unsigned quadrant = insn & 3, funct3 = (insn >> 13) & 7;
    if (quadrant == 1 || (funct3 & 3) < 2)
        return 0;
    acc->is_store = funct3 >> 2;
    acc->width = funct3 & 1 ? 8 : 4;
    acc->is_signed = 1;
    if (quadrant == 0)
        acc->reg = 8 + ((insn >> 2) & 7);
    else
        acc->reg = acc->is_store ? (insn >> 2) & 31 : (insn >> 7) & 31;
    return 1;
    /* END EXERCISE 6 */
}

// HLVX.HU: reads 16 bits at guest virtual address `gva` the way the guest's
// own instruction fetch would (through vsatp, then the G-stage). Returns -1 if
// that faults: a guest can change its page table under its own feet.
static long read_guest_insn_half(unsigned long gva) {
    unsigned long half;
    this_vcpu()->trap_expected = 1;
    __asm__ __volatile__(".insn r 0x73, 4, 0x32, %0, %1, x3" // hlvx.hu
                         : "=r"(half) : "r"(gva) : "memory");
    return expected_trap_came() ? -1 : (long)half;
}

// The bits of the instruction the guest was running at vcpu->pc (16 for a
// compressed one, 32 otherwise), fetched as the guest fetched it, or -1.
static long read_guest_insn(struct vcpu *vcpu) {
    CLEAR_CSR_BITS(hstatus, HSTATUS_SPV); // see trap_expected
    long low = read_guest_insn_half(vcpu->pc), high = 0;
    if (low >= 0 && (low & 3) == 3)
        high = read_guest_insn_half(vcpu->pc + 2);
    SET_CSR_BITS(hstatus, HSTATUS_SPV);
    return low < 0 || high < 0 ? -1 : low | high << 16;
}

// Decodes the load or store the guest was running at vcpu->pc; returns its
// length in bytes (2 or 4), or 0 if it is not one hv1k can emulate.
// QEMU 8+ hands it over in htinst, transformed (a compressed one expanded to
// 32 bits with bit 1 cleared); QEMU 7.2 leaves htinst 0, so hv1k fetches it.
static int decode_mmio_insn(struct vcpu *vcpu, unsigned long htinst,
                            struct mmio_access *acc) {
    if (htinst)
        return decode_load_store(htinst | 2, acc) ? (htinst & 2 ? 4 : 2) : 0;
    long insn = read_guest_insn(vcpu);
    if (insn < 0)
        return 0;
    if ((insn & 3) != 3)
        return decode_compressed_load_store((unsigned long)insn, acc) ? 2 : 0;
    return decode_load_store((unsigned long)insn, acc) ? 4 : 0;
}

// Does the access on the device at `gpa`: a store writes the low `width`
// bytes of rs2; a load fills rd, sign- or zero-extended from `width` bytes.
static void emulate_mmio(struct vcpu *vcpu, unsigned long gpa,
                         const struct mmio_access *acc) {
    int unused_bits = 64 - 8 * acc->width;
    if (acc->is_store) {
        unsigned long value = vcpu->regs[acc->reg];
        device_write(vcpu->vm, gpa, value << unused_bits >> unused_bits);
        return;
    }
    unsigned long value = device_read(vcpu->vm, gpa) << unused_bits;
    if (acc->reg != 0)
        vcpu->regs[acc->reg] = acc->is_signed
                                   ? (unsigned long)((long)value >> unused_bits)
                                   : value >> unused_bits;
}

// A guest-page fault: the guest touched a guest physical address that the
// G-stage does not map. A load or store at a device is emulated; anything
// else ends the VM. The GPA is htval << 2 plus the low bits of stval.
static unsigned long handle_guest_page_fault(struct vcpu *vcpu, unsigned long scause) {
    struct vm *vm = vcpu->vm;
    unsigned long htval = READ_CSR(htval), htinst = READ_CSR(htinst);
    unsigned long gpa = htval << 2 | (READ_CSR(stval) & 3);
    const char *access = scause == SCAUSE_STORE_GUEST_PAGE_FAULT ? "store"
                         : scause == SCAUSE_LOAD_GUEST_PAGE_FAULT ? "load" : "fetch";
    struct mmio_access acc;
    // The guest's first store to a page of its RAM, where the hardware does
    // not set G-stage D bits itself: set it, and let the guest go on.
    uint64_t *leaf = guest_ram(vm, gpa, 1) ? gstage_leaf(vm, gpa) : 0;
    if (scause == SCAUSE_STORE_GUEST_PAGE_FAULT && leaf && !(*leaf & PTE_D)) {
        *leaf |= PTE_D;
        hfence_gvma_all();
        return 0;
    }
    if (leaf) // a G-stage leaf that lacks V, U, A, or R, W or X: a bug in hv1k
        vm_end(vm, EXIT_VM_ENDED, "guest-page fault: %s at GPA 0x%lx: guest RAM, but its G-stage "
               "leaf refused the access (pte 0x%lx), sepc 0x%lx", access, gpa, *leaf, vcpu->pc);
    vm->exits.mmio++;
    // The guest's own page-table walk read or wrote this GPA: htinst holds a
    // pseudo-instruction (bits 1:0 = 00, e.g. 0x3000). Never emulate that.
    // (stval then holds the virtual address being translated, so the GPA is
    // htval << 2 alone: page-table entries are aligned.)
    if (htinst && (htinst & 3) == 0)
        vm_end(vm, EXIT_VM_ENDED, "guest page-table walk touched GPA 0x%lx "
               "(not RAM), sepc 0x%lx, htinst 0x%lx", htval << 2, vcpu->pc, htinst);
    if (!is_device(gpa) || scause == SCAUSE_INSN_GUEST_PAGE_FAULT)
        vm_end(vm, EXIT_VM_ENDED, "guest-page fault: %s at GPA 0x%lx (no RAM%s), "
               "sepc 0x%lx", access, gpa, is_device(gpa) ? "" : " or device", vcpu->pc);
    int length = decode_mmio_insn(vcpu, htinst, &acc);
    if (!length || acc.is_store != (scause == SCAUSE_STORE_GUEST_PAGE_FAULT))
        vm_end(vm, EXIT_VM_ENDED, "cannot emulate the %s at GPA 0x%lx: the "
               "instruction at sepc 0x%lx is unreadable or not a plain load "
               "or store", access, gpa, vcpu->pc);
    emulate_mmio(vcpu, gpa, &acc);
    plic_update(vm); // the access may have raised or lowered a line
    return (unsigned long)length;
}

// ============================================================================
// 9. Interrupts and exceptions hv1k hands to the guest.
//    The book: chapters 8-10, docs/08-timers.md to docs/10-exceptions.md.
// ============================================================================

// Delivers an exception to the guest as the hardware would have delivered it
// to VS-mode (privileged spec, Hypervisor Extension, "Trap Entry"): vsepc,
// vscause, vstval, vsstatus.SPP/SPIE/SIE, then the guest's trap vector.
static void inject_exception(struct vcpu *vcpu, unsigned long cause,
                             unsigned long tval) {
    /* EXERCISE 9: exception injection */
    unsigned long vsstatus = READ_CSR(vsstatus);
    // Was the guest in VS or VU? hstatus.SPVP says: a trap from V=1 sets it,
    // a trap from V=0 leaves it ("Hypervisor Status Register"). sstatus.SPP
    // would not do: a failed HLVX traps in hv1k, and hypervisor_trap's sret
    // sets SPP to U ("Privilege and Global Interrupt-Enable Stack").
    unsigned long spp = READ_CSR(hstatus) & HSTATUS_SPVP ? SSTATUS_SPP : 0;
    unsigned long spie = vsstatus & SSTATUS_SIE ? SSTATUS_SPIE : 0;
    vsstatus &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
    WRITE_CSR(vsstatus, vsstatus | spp | spie);
    WRITE_CSR(vsepc, vcpu->pc);
    WRITE_CSR(vscause, cause);
    WRITE_CSR(vstval, tval);
    WRITE_CSR(sstatus, READ_CSR(sstatus) | SSTATUS_SPP); // resume in VS-mode
    vcpu->pc = READ_CSR(vstvec) & ~3UL; // exceptions use the vector's base
    /* END EXERCISE 9 */
}

// A virtual-instruction exception: the guest ran something that only a
// hypervisor may run (a hypervisor CSR, hfence, hlv). hv1k emulates none of
// these, so the guest sees what a CPU without H raises: illegal instruction,
// with the instruction's bits in stval. hv1k reads them itself: QEMU 7.2's
// stval for an hlv or hsv is 0, or left over from an earlier instruction.
// Rare, so cold: out of handle_trap, whose page the hot exits share.
__attribute__((cold)) static unsigned long handle_virtual_instruction(struct vcpu *vcpu) {
    long insn = read_guest_insn(vcpu);
    vcpu->vm->exits.virtual_insn++;
    inject_exception(vcpu, SCAUSE_ILLEGAL_INSN, insn < 0 ? 0 : (unsigned long)insn);
    return 0;
}

// hv1k's own timer fired: the VM's time limit has come (it ends), or the
// guest's set_timer deadline (the path without Sstc): raise the guest's
// timer interrupt, which it takes as soon as its interrupts are on.
static unsigned long handle_timer_interrupt(struct vcpu *vcpu) {
    if (READ_CSR(time) >= vcpu->vm->flush_at) // a quiet VM's unfinished line
        vm_flush(vcpu->vm);
    /* EXERCISE 7: timer delivery */
    struct vm *vm = vcpu->vm;
    unsigned long now = READ_CSR(time);
    if (now >= vm->deadline)
        vm_end(vm, EXIT_TIME_LIMIT, "time limit (%lu s)", boot_info->timeout);
    if (now >= vcpu->timer) {
        vm->exits.timer++;
        vcpu->timer = -1UL;
        SET_CSR_BITS(hvip, 1UL << IRQ_VS_TIMER);
    }
    arm_host_timer(vcpu);
    return 0;
    /* END EXERCISE 7 */
}

// Host console input arrives as an interrupt, so that an idle guest causes
// no exits: the real UART's receive interrupt, through the real PLIC, to
// hv1k's own S-mode context on one hart: the hart whose VM has the input
// focus.
static void route_console_irq(unsigned long hartid) {
    volatile uint32_t *plic = (uint32_t *)PLIC_BASE;
    for (unsigned long i = 0; i < boot_info->harts; i++) {
        unsigned long h = harts[i].vm.hartid;
        plic[PLIC_ENABLE(PLIC_S_CONTEXT(h)) / 4] = h == hartid ? 1u << UART_IRQ : 0;
    }
}

static void host_console_irq_init(void) {
    volatile uint32_t *plic = (uint32_t *)PLIC_BASE;
    plic[UART_IRQ] = 1; // priority (each hart opens its threshold: hart_main)
    input.focus = &harts[0].vm;
    route_console_irq(harts[0].vm.hartid);
    host_uart[UART_IER] = IER_RX;
}

// Ctrl-]: the input focus moves on to the next VM still running, and the
// real UART's interrupt to its hart. Called with input.lock held.
static void input_to_next_vm(void) {
    struct vm *from = input.focus, *to = NULL;
    for (unsigned long i = 1; !to && i <= boot_info->vm_count; i++) {
        struct vm *vm = &harts[(from->id - 1 + i) % boot_info->vm_count].vm;
        if (!__atomic_load_n(&vm->ended, __ATOMIC_ACQUIRE))
            to = vm;
    }
    if (!to || to == from)
        return;
    input.focus = to;
    route_console_irq(to->hartid);
    say(NULL, "input goes to vm %d (Ctrl-] moves it on)", to->id);
}

// The host console has input (the real PLIC says so): take it from the real
// UART into hv1k's input ring, and complete the interrupt.
static void host_console_claim(void) {
    unsigned long context = PLIC_S_CONTEXT(this_vcpu()->vm->hartid);
    volatile uint32_t *claim = (uint32_t *)(PLIC_BASE + PLIC_CLAIM(context));
    uint32_t source = *claim;
    host_uart_drain();
    *claim = source; // complete
}

// An external interrupt while the guest runs: the host console's input goes
// into the ring, and the emulated UART and PLIC tell the guest.
static unsigned long handle_external_interrupt(struct vcpu *vcpu) {
    /* EXERCISE 8: the UART input path */
    vcpu->vm->exits.irq++;
    host_console_claim();
    plic_update(vcpu->vm);
    return 0;
    /* END EXERCISE 8 */
}

// ============================================================================
// 10. A fresh VM for every request (--serve): the hypervisor as a sandbox.
//     The book: chapter 13, docs/13-serve.md.
// ============================================================================
// Each input line is a request, handled like a function call in a VM of its
// own, the way cgi-bin ran a process per request: try { a fresh VM from the
// template runs with a0 = the request's GPA, a1 = its length } catch { its
// respond(answer, len), or whatever ended it } -- then the VM is destroyed
// and scrubbed before the next line is read, so nothing of one request
// reaches the next.
#define SERVE_TIMED_MAX 4096 // requests whose figures the summary counts
#define KEY_END_OF_INPUT 0x04 // Ctrl-D
static struct {
    struct spinlock lock; // guards all below but `printed`
    unsigned long count, failed, timed, input_pos, serving;
    int input_ended;
    uint32_t ticks[4][SERVE_TIMED_MAX]; // create, run, destroy, total
    unsigned long printed; // requests whose output is all out: atomic only
} serve;

// With several harts, requests run side by side but answer in input
// order: a request's output waits until every request before it has
// printed all of its own. The wait does not count against its time limit.
static void wait_for_turn(struct vm *vm) {
    unsigned long from = READ_CSR(time);
    while (vm->request && __atomic_load_n(&serve.printed, __ATOMIC_ACQUIRE) != vm->request - 1)
        ;
    if (vm->deadline != -1UL)
        vm->deadline += READ_CSR(time) - from;
}

// The next input byte: from the file run.sh loaded (stdin was a pipe or a
// file), or typed, and then echoed. -1 at the end of the file. (Typed
// requests come one at a time: run.sh gives them one hart, so its VM has
// the input, as VM 1 always has at first.)
static int serve_getchar(struct vm *vm) {
    if (boot_info->flags & BOOT_INPUT_FILE)
        return serve.input_pos < boot_info->input_size
                   ? ((const uint8_t *)boot_info->input)[serve.input_pos++] : -1;
    int ch;
    while ((ch = host_getchar(vm)) < 0) { // no VM runs here: wait for a key
        __asm__ __volatile__("wfi");
        host_console_claim();
    }
    putchar(ch == '\r' ? '\n' : (char)ch);
    return ch;
}

// Reads one line into `line` (its first SERVE_REQUEST_MAX bytes) and
// returns its whole length. A line ends at \n or \r (run.sh turned a file's
// \r\n into \n); Ctrl-D or the end of the file also ends the input.
static unsigned long serve_read_line(struct vm *vm, uint8_t *line) {
    unsigned long n = 0;
    int ch;
    while ((ch = serve_getchar(vm)) >= 0 && ch != '\n' && ch != '\r' &&
           ch != KEY_END_OF_INPUT)
        if (n++ < SERVE_REQUEST_MAX)
            line[n - 1] = (uint8_t)ch;
    serve.input_ended = ch < 0 || ch == KEY_END_OF_INPUT;
    return n;
}

// Sorts `v` and returns its `pct` percentile (nearest rank) in µs.
static unsigned long percentile_us(uint32_t *v, unsigned long n, unsigned pct) {
    for (unsigned long i = 1; i < n; i++)
        for (unsigned long j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n ? v[(n * pct + 99) / 100 - 1] / (TIMEBASE_HZ / 1000000) : 0;
}

// The end of the input: this hart serves no more requests. The last hart
// to stop ends the run, with status 0 and one summary line (every answer
// is out by then: a hart comes here only after its last one). Called with
// serve.lock held.
__attribute__((noreturn)) static void serve_hart_done(void) {
    static const char *const figures[4] = {"create", "run", "destroy", "total"};
    if (--serve.serving > 0) {
        unlock(&serve.lock);
        hart_stop();
    }
    printf("hv1k: served %lu requests (%lu failed); us per request, median/p99:",
           serve.count, serve.failed);
    for (int k = 0; k < 4; k++)
        printf("%s %s %lu/%lu", k ? "," : "", figures[k],
               percentile_us(serve.ticks[k], serve.timed, 50),
               percentile_us(serve.ticks[k], serve.timed, 99));
    putchar('\n');
    power_off(EXIT_SHUTDOWN);
}

// Reads the next request straight into the VM's RAM and makes the VM, with
// the request's address and length in a0 and a1; at the end of the input,
// this hart is done. One hart reads at a time (serve.lock).
static void serve_next_request(struct vm *vm) {
    uint8_t *line = guest_ram(vm, boot_info->request_gpa, SERVE_REQUEST_MAX);
    unsigned long len, request;
    if (!line)
        PANIC("no room for a request at GPA 0x%lx", boot_info->request_gpa);
    lock(&serve.lock);
    for (;;) {
        len = serve.input_ended ? 0 : serve_read_line(vm, line);
        mark_written(vm, boot_info->request_gpa, min(len, SERVE_REQUEST_MAX));
        if (len == 0) // an empty line, or nothing more
            serve_hart_done();
        vm->request = request = ++serve.count;
        if (len <= SERVE_REQUEST_MAX)
            break;
        say(vm, "longer than %d bytes", SERVE_REQUEST_MAX);
        serve.failed++;
        __atomic_store_n(&serve.printed, request, __ATOMIC_RELEASE);
    }
    unlock(&serve.lock);
    vm_create(vm);
    vm->request = request;
    vm->read_at = READ_CSR(time);
    vm->vcpu.regs[REG_A0] = boot_info->request_gpa;
    vm->vcpu.regs[REG_A0 + 1] = len;
}

// respond(answer, len): the request's answer, printed as it is (with a
// newline after it unless it ends with one), in its turn. It ends the VM,
// the way `return` ends a function call.
static void serve_respond(struct vm *vm, const uint8_t *answer,
                          unsigned long len) {
    if (!answer)
        vm_end(vm, EXIT_VM_ENDED, "respond: the answer (0x%lx, %lu bytes) is "
               "not in guest RAM", vm->vcpu.regs[REG_A0], len);
    vm_flush(vm);
    wait_for_turn(vm);
    lock(&console.lock);
    for (unsigned long i = 0; i < len; i++)
        putchar((char)answer[i]);
    if (len == 0 || answer[len - 1] != '\n')
        putchar('\n');
    unlock(&console.lock);
    vm_end(vm, EXIT_SHUTDOWN, NULL);
}

// The request is over and its output out: the next request may print. Its
// VM is destroyed, the request counted (failed unless it was answered: a
// VM that fails says why, and only respond ends a VM without a word) and
// its figures kept, in `time` ticks: create, from its last byte read to
// the first sret into its VM; run, from there to the VM's end; destroy,
// until its RAM was scrubbed. Then the hart takes the next request.
__attribute__((noreturn)) static void
serve_request_ended(struct vm *vm, unsigned long ended_at, int answered) {
    wait_for_turn(vm);
    __atomic_store_n(&serve.printed, vm->request, __ATOMIC_RELEASE);
    vm_destroy(vm);
    unsigned long now = READ_CSR(time);
    unsigned long ticks[4] = {vm->started_at - vm->read_at,
                              ended_at - vm->started_at, now - ended_at,
                              now - vm->read_at};
    lock(&serve.lock);
    serve.failed += !answered;
    for (int k = 0; k < 4 && serve.timed < SERVE_TIMED_MAX; k++)
        serve.ticks[k][serve.timed] = (uint32_t)ticks[k];
    serve.timed += serve.timed < SERVE_TIMED_MAX;
    unlock(&serve.lock);
    serve_next_request(vm);
    restart(&vm->vcpu);
}

// ============================================================================
// 11. Boot, the whole story: check the CPU and the boot info, give each
//     hart its VM, start the other harts, and start the VMs.
//     The book: chapters 1 and 12, docs/01-boot.md and docs/12-several-vms.md.
// ============================================================================

extern char __bss[], __bss_end[];

// Ends the run before any VM exists, saying why (a check below failed).
__attribute__((noreturn)) static void refuse_boot(int status, const char *why) {
    printf("hv1k: %s\n", why);
    power_off(status);
}

// Without the H extension, reading hgatp raises an illegal-instruction trap.
static int cpu_has_h_extension(void) {
    this_vcpu()->trap_expected = 1;
    __asm__ __volatile__("csrr t0, hgatp" ::: "t0", "memory");
    return !expected_trap_came();
}

// Sstc gives each VS-mode guest its own timer compare CSR (vstimecmp), and
// hv1k its own (stimecmp) without a call into OpenSBI.
static int cpu_has_sstc(void) {
    this_vcpu()->trap_expected = 1;
    __asm__ __volatile__("csrr t0, stimecmp" ::: "t0", "memory");
    return !expected_trap_came();
}

// Gives each hart its VM: VM k + 1 runs on harts[k]; harts[0] is the hart
// OpenSBI booted, the others take the remaining hart IDs in order. Each
// VM's RAM is the next part of the pool (2 MiB-aligned, as run.sh counted).
static void build_vms(unsigned long boot_hartid) {
    uint8_t *ram = (uint8_t *)RAM_POOL_HPA;
    for (unsigned long k = 0; k < boot_info->harts; k++) {
        const struct template *t = &boot_info->templates[boot_info->vm_count > 1 ? k : 0];
        struct vm *vm = &harts[k].vm;
        uint8_t *tables = next_free_page;
        if (t->flags & BOOT_SSTC && !cpu_sstc)
            refuse_boot(EXIT_USAGE, "this CPU has no Sstc extension: run with --no-sstc");
        if (ram + t->ram_size > (uint8_t *)RAM_POOL_HPA + boot_info->pool_size)
            PANIC("guest RAM is larger than the pool run.sh made");
        vm->hartid = k == 0 ? boot_hartid : k - 1 < boot_hartid ? k - 1 : k;
        vcpu_of_hart[vm->hartid] = &vm->vcpu;
        vm_build(vm, (int)k + 1, t, ram);
        ram += (t->ram_size + (2UL << 20) - 1) & ~((2UL << 20) - 1);
        int in_kib = t->ram_size % (1UL << 20) != 0; // --mem 256K
        if (!(boot_info->flags & BOOT_SERVE))
            say(vm, "guest RAM %lu %s at 0x%lx (%lu KiB G-stage leaves, %lu KiB of "
                "G-stage tables), entry 0x%lx, timer %s", t->ram_size >> (in_kib ? 10 : 20),
                in_kib ? "KiB" : "MiB", GUEST_RAM_BASE, leaf_size(vm) >> 10,
                (unsigned long)(next_free_page - tables) >> 10, t->entry,
                t->flags & BOOT_SSTC ? "sstc" : "sbi");
    }
}

// Each hart's start, the boot hart's too, on its own stack: its CSRs, then
// its VM's first life (with --serve, the first request it reads).
__attribute__((noreturn)) void hart_main(struct vcpu *vcpu) {
    hypervisor_csrs_init();
    // OpenSBI masked this hart's S-mode PLIC context (threshold 7) as it
    // started it: open it, or the host console's interrupt never comes here.
    ((volatile uint32_t *)PLIC_BASE)[PLIC_THRESHOLD(PLIC_S_CONTEXT(vcpu->vm->hartid)) / 4] = 0;
    if (boot_info->flags & BOOT_SERVE)
        serve_next_request(vcpu->vm);
    else
        vm_create(vcpu->vm);
    restart(vcpu);
}
__attribute__((noreturn)) void run_hart(struct vcpu *vcpu);
void hart_entry(void);

__attribute__((noreturn)) void hypervisor_main(unsigned long boot_hartid) {
    memset(__bss, 0, (size_t)(__bss_end - __bss));
    __asm__ __volatile__("mv tp, %0" ::"r"(&harts[0].vm.vcpu)); // this_vcpu()
    WRITE_CSR(sscratch, 0); // hv1k is running (see trap_entry)
    WRITE_CSR(stvec, (unsigned long)trap_entry);
    printf("hv1k: hypervisor started\n");
    if (!cpu_has_h_extension())
        refuse_boot(EXIT_NO_H, "this CPU has no H extension: run QEMU with -cpu rv64,h=true");
    cpu_sstc = cpu_has_sstc();
    unsigned long n = boot_info->harts, serving = boot_info->flags & BOOT_SERVE;
    if (boot_info->magic != BOOT_INFO_MAGIC || n < 1 || n > MAX_VMS ||
        boot_info->vm_count != (serving ? 1 : n))
        refuse_boot(EXIT_USAGE, "no valid boot info: start hv1k with ./run.sh");
    if (serving)
        printf("hv1k: serving requests, a fresh VM for each: guest RAM %lu KiB, "
               "entry 0x%lx\n", boot_info->templates[0].ram_size >> 10,
               boot_info->templates[0].entry);
    build_vms(boot_hartid);
    host_console_irq_init();
    running = serve.serving = (int)n;
    // The other harts wait in OpenSBI (HSM STOPPED) until hart_start(hart
    // ID, start address, opaque): each starts at hart_entry with a1 = its
    // vCPU (SBI spec, "Hart State Management Extension").
    for (unsigned long k = 1; k < n; k++) {
        /* EXERCISE 11: a hart per VM: start and stop */
        if (sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, (long)harts[k].vm.hartid,
                     (long)hart_entry, (long)&harts[k].vm.vcpu, 0).error)
            PANIC("SBI hart_start of hart %lu failed", harts[k].vm.hartid);
        /* END EXERCISE 11 */
    }
    run_hart(&harts[0].vm.vcpu);
}

// OpenSBI jumps here in S-mode (HS, since the CPU has H) with a0 = the ID
// of the hart it booted and a1 = the host's device tree (not needed). Only
// the first hart boots: OpenSBI 1.1 (QEMU 7.2's) marks a hart START_PENDING
// before it stores hart_start's address, so a hart that looks in between
// comes here instead of to hart_entry; it goes on there, with its vCPU.
int boot_free = 1; // in .data: hypervisor_main clears .bss
__attribute__((naked, section(".text.boot"))) void boot(void) {
    __asm__ __volatile__("lla t0, boot_free\n"
                         "amoswap.w t0, zero, (t0)\n"
                         "beqz t0, 1f\n"
                         "la sp, __boot_stack_top\n"
                         "j hypervisor_main\n"
                         "1: lla t0, vcpu_of_hart\n"
                         "slli a0, a0, 3\n"
                         "add t0, t0, a0\n"
                         "ld a1, 0(t0)\n"
                         "j hart_entry\n");
}
