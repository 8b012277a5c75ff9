// Test guest: the SBI base extension (SBI spec v2.0, chapter "Base
// Extension", EID 0x10) as hv1k answers it.
//
// It proves that hv1k reports SBI spec version 2.0 and its own
// implementation ID and version; that probe_extension says 1 for exactly the
// extensions hv1k implements (BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and
// hv1k's own) and 0 for PMU and for an extension nobody defines; that the
// machine IDs of the virtual CPU are all 0; and that an unknown function of
// BASE, or an unknown extension, answers SBI_ERR_NOT_SUPPORTED and the guest
// simply goes on.
#include "../../guest/guest.h"

// An extension nobody implements here: the first EID of the firmware-specific
// space (0x0A000000-0x0AFFFFFF), which belongs to the firmware whose
// implementation ID has low 24 bits 0 (BBL), not to hv1k.
#define MADE_UP_EID 0x0A000000
// Another extension ID nobody defines, for the "unknown EID" call.
#define UNKNOWN_EID 0x12345678
// BASE defines FIDs 0 to 6; 7 is the first one that does not exist.
#define UNKNOWN_BASE_FID 7

static struct sbiret base_call(long fid, long arg0) {
    return sbi_call(SBI_EXT_BASE, fid, arg0, 0, 0, 0);
}

static void test_versions(void) {
    // Bits 30:24 are the major version, bits 23:0 the minor: 2.0.
    expect_ok(base_call(SBI_BASE_GET_SPEC_VERSION, 0), 2L << 24,
              "get_spec_version is 2.0 (0x2000000)");
    expect_ok(base_call(SBI_BASE_GET_IMPL_ID, 0), HV1K_SBI_IMPL_ID,
              "get_impl_id is HV1K_SBI_IMPL_ID (\"hv1k\")");
    expect_ok(base_call(SBI_BASE_GET_IMPL_VERSION, 0), HV1K_SBI_IMPL_VERSION,
              "get_impl_version is HV1K_SBI_IMPL_VERSION");
}

static void expect_probe(long eid, long available, const char *what) {
    expect_ok(base_call(SBI_BASE_PROBE_EXTENSION, eid), available, what);
}

static void test_probe_extension(void) {
    expect_probe(SBI_EXT_BASE, 1, "probe BASE -> 1");
    expect_probe(SBI_EXT_TIME, 1, "probe TIME -> 1");
    expect_probe(SBI_EXT_IPI, 1, "probe IPI -> 1");
    expect_probe(SBI_EXT_RFENCE, 1, "probe RFENCE -> 1");
    expect_probe(SBI_EXT_HSM, 1, "probe HSM -> 1");
    expect_probe(SBI_EXT_SRST, 1, "probe SRST -> 1");
    expect_probe(SBI_EXT_DBCN, 1, "probe DBCN -> 1");
    expect_probe(SBI_EXT_HV1K, 1, "probe SBI_EXT_HV1K -> 1");
    // A guest asks before it uses: hv1k has no performance counters to offer.
    expect_probe(SBI_EXT_PMU, 0, "probe PMU -> 0");
    expect_probe(MADE_UP_EID, 0, "probe a made-up extension (0x0A000000) -> 0");
}

// A virtual CPU has no vendor, architecture or implementation ID; 0 is
// always a legal value for mvendorid, marchid and mimpid.
static void test_machine_ids(void) {
    expect_ok(base_call(SBI_BASE_GET_MVENDORID, 0), 0, "get_mvendorid -> 0");
    expect_ok(base_call(SBI_BASE_GET_MARCHID, 0), 0, "get_marchid -> 0");
    expect_ok(base_call(SBI_BASE_GET_MIMPID, 0), 0, "get_mimpid -> 0");
}

// SBI spec, "Binary Encoding": a function or extension the implementation
// does not have answers SBI_ERR_NOT_SUPPORTED. It must not end the VM.
static void test_unknown_calls(void) {
    expect_error(base_call(UNKNOWN_BASE_FID, 0), SBI_ERR_NOT_SUPPORTED,
                 "an unknown BASE function (FID 7) -> SBI_ERR_NOT_SUPPORTED");
    expect_error(sbi_call(UNKNOWN_EID, 0, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED,
                 "an unknown EID (0x12345678) -> SBI_ERR_NOT_SUPPORTED (-2)");
    printf("base: still running after the unknown EID\n");
}

int main(void) {
    test_versions();
    test_probe_extension();
    test_machine_ids();
    test_unknown_calls();
    printf("base: done\n");
    return 0;
}
