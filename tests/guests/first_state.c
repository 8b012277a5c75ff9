// first_state.c: what a VM's first instruction finds, as chapter 4's table
// says (the Linux boot protocol, and a supervisor fresh out of reset):
// a0 = hart ID 0 and a1 = its device tree; VS-mode (it may read its own
// sstatus); sstatus.FS = Initial, so that FP instructions work; with Sstc,
// stimecmp parked at -1; no interrupt enabled or pending; paging off.
// (What a VM must not find of the VM before it is tests/guests/fresh_vm.c's
// business: the first VM finds QEMU's reset values anyway.)
#include "../../guest/guest.h"

#define FDT_MAGIC_LE 0xedfe0dd0u // 0xd00dfeed, read little-endian
#define SSTATUS_FS (3UL << 13)

static volatile double half = 0.5;

int main(void) {
    unsigned long status = READ_CSR(sstatus), sie = READ_CSR(sie), sip = READ_CSR(sip);
    unsigned long satp = READ_CSR(satp), stimecmp = READ_CSR(stimecmp);
    check_equal(boot_a0, 0, "first_state: a0 is hart ID 0");
    check_got(*(volatile uint32_t *)boot_a1 == FDT_MAGIC_LE,
              "first_state: a1 points at a device tree", "a1 0x%lx", boot_a1);
    check_equal(status & SSTATUS_FS, SSTATUS_FS_INITIAL, "first_state: sstatus.FS is Initial");
    check_got(half + half == 1.0, "first_state: an FP add works", "something else");
    check_equal(stimecmp, -1UL, "first_state: stimecmp is parked at -1");
    check_equal(sie | sip, 0, "first_state: sie and sip are 0");
    check_equal(satp, 0, "first_state: satp is 0 (paging off)");
    printf("first_state: done\n");
    return 0;
}
