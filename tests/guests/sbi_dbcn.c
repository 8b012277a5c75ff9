// Test guest: the SBI debug console extension (SBI spec v2.0, chapter "Debug
// Console Extension", EID "DBCN") as hv1k implements it.
//
// It proves that:
// - write(num_bytes, base_addr_lo, base_addr_hi) of a buffer in guest RAM
//   prints it and answers (SBI_SUCCESS, num_bytes), up to the last byte of
//   guest RAM;
// - a buffer that is not entirely guest RAM (one byte or more past its end,
//   below its start, at the UART, or wrapping around the address space) and a
//   nonzero base_addr_hi are SBI_ERR_INVALID_PARAM, print nothing, and leave
//   the guest running;
// - a write of more than DBCN_WRITE_MAX (4096) bytes, here 1 MiB, prints
//   only the first 4096 and answers (SBI_SUCCESS, 4096): the spec allows a
//   partial write, and a guest must not hold hv1k for long;
// - write_byte prints one byte;
// - read with nothing typed (stdin is /dev/null) answers (SBI_SUCCESS, 0)
//   and leaves the buffer alone, and checks its buffer like write;
// - an unknown DBCN function is SBI_ERR_NOT_SUPPORTED.
// Run it with the default --mem (64 MiB). Every buffer hv1k must refuse holds
// the text "LEAKED!", which the test expects never to see.
#include "../../guest/guest.h"

#define RAM_END (GUEST_RAM_BASE + (64UL << 20)) // run.sh's default --mem 64M
#define UNKNOWN_DBCN_FID 3

static long length(const char *s) {
    long n = 0;
    while (s[n])
        n++;
    return n;
}

// The three DBCN functions, with the buffer's guest physical address split
// into base_addr_lo and base_addr_hi as the spec has it (hi is 0 on RV64).
static struct sbiret dbcn_write(long num_bytes, unsigned long lo, long hi) {
    return sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, num_bytes, (long)lo, hi, 0);
}

static struct sbiret dbcn_read(long num_bytes, unsigned long lo, long hi) {
    return sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, num_bytes, (long)lo, hi, 0);
}

static struct sbiret dbcn_write_byte(char byte) {
    return sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, (unsigned char)byte, 0,
                    0, 0);
}

// 1 MiB of lines of dots; hv1k prints 4096 bytes of it, 64 lines.
static char big[1 << 20];
static void test_long_write(void) {
    for (unsigned long i = 0; i < sizeof big; i++)
        big[i] = i % 64 == 63 ? '\n' : '.';
    expect_ok(dbcn_write(sizeof big, (unsigned long)big, 0), 4096,
              "write of 1 MiB -> (0, 4096): a partial write");
}

static void test_write_in_ram(void) {
    static const char hello[] = "dbcn: hello from one DBCN write\n";
    expect_ok(dbcn_write(length(hello), (unsigned long)hello, 0), length(hello),
              "write of a buffer in RAM -> (0, its length)");
}

// The last 8 bytes of guest RAM are free (run.sh puts the device tree at
// RAM_END - 64 KiB, and it is much smaller than that).
static void test_write_at_ram_end(void) {
    char *tail = (char *)(RAM_END - 8);
    memcpy(tail, "RAM-END\n", 8);
    expect_ok(dbcn_write(8, RAM_END - 8, 0), 8,
              "write of the last 8 bytes of RAM -> (0, 8)");
    memcpy(tail, "LEAKED!\n", 8);
    expect_error(dbcn_write(9, RAM_END - 8, 0), SBI_ERR_INVALID_PARAM,
                 "write of 9 bytes from 8 before the end of RAM -> "
                 "SBI_ERR_INVALID_PARAM");
    expect_error(dbcn_write(64, RAM_END - 8, 0), SBI_ERR_INVALID_PARAM,
                 "write of 64 bytes from 8 before the end of RAM -> "
                 "SBI_ERR_INVALID_PARAM");
}

static void test_write_outside_ram(void) {
    static const char leak[] = "LEAKED! base_addr_hi\n";
    expect_error(dbcn_write(length(leak), (unsigned long)leak, 1),
                 SBI_ERR_INVALID_PARAM,
                 "write with base_addr_hi 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(dbcn_write(16, GUEST_RAM_BASE - 8, 0), SBI_ERR_INVALID_PARAM,
                 "write of a buffer starting below RAM -> SBI_ERR_INVALID_PARAM");
    expect_error(dbcn_write(4, UART_BASE, 0), SBI_ERR_INVALID_PARAM,
                 "write of a buffer at the UART (0x10000000) -> "
                 "SBI_ERR_INVALID_PARAM");
    // base + num_bytes overflows to 0x10: a careless "base + len <= end"
    // check would accept it.
    expect_error(dbcn_write(0x20, 0xFFFFFFFFFFFFFFF0UL, 0),
                 SBI_ERR_INVALID_PARAM,
                 "write of a buffer wrapping around (0xFFFFFFFFFFFFFFF0, 0x20) "
                 "-> SBI_ERR_INVALID_PARAM");
    printf("dbcn: still running after the refused writes\n");
}

static void test_write_byte(void) {
    static const char text[] = "dbcn: hello from write_byte\n";
    int all_ok = 1;
    for (const char *p = text; *p; p++)
        all_ok &= dbcn_write_byte(*p).error == SBI_SUCCESS;
    check(all_ok, "write_byte -> SBI_SUCCESS for every byte");
}

// Nothing is ever typed (stdin is /dev/null): read returns at once with 0
// bytes and writes none.
static void test_read_without_input(void) {
    uint8_t buf[16];
    memset(buf, 0xAA, sizeof buf);
    expect_ok(dbcn_read(sizeof buf, (unsigned long)buf, 0), 0,
              "read with nothing typed -> (0, 0)");
    int untouched = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        untouched &= buf[i] == 0xAA;
    check(untouched, "read with nothing typed leaves the buffer alone");
    expect_ok(dbcn_read(8, RAM_END - 8, 0), 0,
              "read into the last 8 bytes of RAM -> (0, 0)");
    expect_error(dbcn_read(64, RAM_END - 8, 0), SBI_ERR_INVALID_PARAM,
                 "read into a buffer partly outside RAM -> SBI_ERR_INVALID_PARAM");
    expect_error(dbcn_read(sizeof buf, (unsigned long)buf, 1),
                 SBI_ERR_INVALID_PARAM,
                 "read with base_addr_hi 1 -> SBI_ERR_INVALID_PARAM");
    expect_error(dbcn_read(4, UART_BASE, 0), SBI_ERR_INVALID_PARAM,
                 "read into the UART (0x10000000) -> SBI_ERR_INVALID_PARAM");
}

int main(void) {
    test_write_in_ram();
    test_long_write();
    test_write_at_ram_end();
    test_write_outside_ram();
    test_write_byte();
    test_read_without_input();
    expect_error(sbi_call(SBI_EXT_DBCN, UNKNOWN_DBCN_FID, 0, 0, 0, 0),
                 SBI_ERR_NOT_SUPPORTED,
                 "an unknown DBCN function (FID 3) -> SBI_ERR_NOT_SUPPORTED");
    printf("dbcn: done\n");
    return 0;
}
