// Test guest: the SBI system reset extension (SBI spec v2.0, chapter "System
// Reset Extension", EID "SRST").
//
// It proves that system_reset refuses a reserved or unimplemented reset
// type and a reserved reset reason with SBI_ERR_INVALID_PARAM and leaves the
// guest running; that an unknown SRST function answers
// SBI_ERR_NOT_SUPPORTED; and that system_reset(SHUTDOWN, SYSTEM_FAILURE)
// ends the VM with "system failure" (QEMU exit status EXIT_GUEST_FAILURE).
// (A clean shutdown with "no reason" is what the demo and every other test
// guest end with.)
#include "../../guest/guest.h"

// Reset types 0x00000003-0xEFFFFFFF are reserved; 0xF0000000 and up are
// vendor or platform specific, and hv1k implements none of those.
#define RESERVED_TYPE 3
#define PLATFORM_TYPE 0xF0000000L
// Reset reasons 0x00000002-0xDFFFFFFF are reserved.
#define RESERVED_REASON 2
// SRST has one function, system_reset (FID 0).
#define UNKNOWN_SRST_FID 1

static struct sbiret system_reset(long fid, long type, long reason) {
    return sbi_call(SBI_EXT_SRST, fid, type, reason, 0, 0);
}

// Each of these would end the VM if hv1k accepted it: reaching the next line
// at all shows it did not.
static void test_refused_resets(void) {
    expect_error(system_reset(0, RESERVED_TYPE, SBI_SRST_NO_REASON),
                 SBI_ERR_INVALID_PARAM,
                 "system_reset(reserved type 3) -> SBI_ERR_INVALID_PARAM");
    expect_error(system_reset(0, PLATFORM_TYPE, SBI_SRST_NO_REASON),
                 SBI_ERR_INVALID_PARAM,
                 "system_reset(platform type 0xF0000000) -> SBI_ERR_INVALID_PARAM");
    expect_error(system_reset(0, SBI_SRST_SHUTDOWN, RESERVED_REASON),
                 SBI_ERR_INVALID_PARAM,
                 "system_reset(SHUTDOWN, reserved reason 2) -> SBI_ERR_INVALID_PARAM");
    expect_error(system_reset(UNKNOWN_SRST_FID, SBI_SRST_SHUTDOWN,
                              SBI_SRST_NO_REASON),
                 SBI_ERR_NOT_SUPPORTED,
                 "an unknown SRST function (FID 1) -> SBI_ERR_NOT_SUPPORTED");
    printf("srst: still running after the refused resets\n");
}

int main(void) {
    test_refused_resets();
    if (failures)
        return 1; // a failed check already says why; shut down with failure
    printf("srst: asking for system_reset(shutdown, system failure)\n");
    struct sbiret ret =
        system_reset(0, SBI_SRST_SHUTDOWN, SBI_SRST_SYSTEM_FAILURE);
    // A successful system_reset does not return.
    printf("FAIL: system_reset(SHUTDOWN, SYSTEM_FAILURE) returned error %ld\n",
           ret.error);
    for (;;) // no shutdown through SRST either: let the test time out
        __asm__ __volatile__("wfi");
}
