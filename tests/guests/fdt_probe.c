// fdt_probe.c: proves that no host memory shows through in guest RAM:
// QEMU 7.2 puts the device tree it gives OpenSBI in the 2 MiB below 3 GiB
// of host memory, which a 1 GiB guest's RAM used to cover (--mem 1G), and
// QEMU 8 and later in the last 2 MiB of host memory, which the last VM's
// RAM used to cover. hv1k keeps every VM's RAM off both, so the guest finds
// a device tree header (magic 0xd00dfeed) only where its own is (a1).
#include "../../guest/guest.h"

#define FDT_MAGIC_LE 0xedfe0dd0u // the big-endian magic, read little-endian
#define STEP (2UL << 20)         // QEMU puts its device tree 2 MiB-aligned

int main(void) {
    unsigned long ram_end = (boot_a1 + (64 << 10)) & ~0xffffUL; // dtb: last 64 KiB
    unsigned long found = 0; // the first other header's GPA
    for (unsigned long gpa = GUEST_RAM_BASE; gpa < ram_end && !found; gpa += STEP)
        if (*(volatile uint32_t *)gpa == FDT_MAGIC_LE)
            found = gpa;
    printf("fdt_probe: guest RAM 0x%lx-0x%lx, own device tree at 0x%lx\n",
           GUEST_RAM_BASE, ram_end, boot_a1);
    check_got(*(volatile uint32_t *)boot_a1 == FDT_MAGIC_LE,
              "fdt_probe: the guest's own device tree is at a1",
              "a1 = 0x%lx, which holds 0x%x", boot_a1, *(volatile uint32_t *)boot_a1);
    check_got(!found, "fdt_probe: no other device tree header in guest RAM", "one at GPA 0x%lx",
              found);
    return 0;
}
