// Test guest: hv1k's own hypercall, read_file (extension SBI_EXT_HV1K,
// function HV1K_READ_FILE): a0 = the name's guest physical address, a1 = its
// length, a2 = the buffer's guest physical address, a3 = its length; the
// answer is the error in a0 and the number of bytes copied in a1.
//
// It proves that:
// - reading "emoji.txt" copies exactly its 4 bytes, F0 9F 8D 8E (U+1F34E),
//   and not one byte more; a 2-byte buffer gets exactly the first 2;
//   a 0-byte buffer gets nothing;
// - the name must match a whole file name: "nope.txt", the prefix
//   "emoji.tx", and the longer "emoji.txtX" and "emoji.txt\0" are
//   SBI_ERR_INVALID_PARAM;
// - a buffer or name that is not entirely guest RAM (partly past its end,
//   below it, at the UART, or wrapping around the address space) is
//   SBI_ERR_INVALID_ADDRESS, and nothing is written; a buffer that ends
//   exactly at the end of RAM is fine;
// - an unknown function is SBI_ERR_NOT_SUPPORTED.
// Run it with the default --mem (64 MiB).
#include "../../guest/guest.h"

#define RAM_END (GUEST_RAM_BASE + (64UL << 20)) // run.sh's default --mem 64M
#define UNKNOWN_HV1K_FID 1
#define UNTOUCHED 0xAA // what a buffer holds where hv1k must not write

static const uint8_t apple[4] = {0xF0, 0x9F, 0x8D, 0x8E}; // U+1F34E in UTF-8

static struct sbiret read_file(unsigned long name, long name_len,
                               unsigned long buf, long buf_len) {
    return sbi_call(SBI_EXT_HV1K, HV1K_READ_FILE, (long)name, name_len,
                    (long)buf, buf_len);
}

// Checks that buf[from..to) all still hold UNTOUCHED; a failure names the
// first byte that does not.
static void check_untouched(const uint8_t *buf, size_t from, size_t to, const char *what) {
    size_t i = from;
    while (i < to && buf[i] == UNTOUCHED)
        i++;
    check_got(i == to, what, "byte %lu is 0x%02x", (unsigned long)i, i < to ? buf[i] : 0);
}

// Checks that buf[0..n) is the first n bytes of the file.
static void check_apple(const uint8_t *buf, int n, const char *what) {
    int same = 0;
    while (same < n && buf[same] == apple[same])
        same++;
    check_got(same == n, what, "%02x %02x %02x %02x", buf[0], n > 1 ? buf[1] : 0,
              n > 2 ? buf[2] : 0, n > 3 ? buf[3] : 0);
}

static void test_whole_file(void) {
    uint8_t buf[16];
    memset(buf, UNTOUCHED, sizeof buf);
    expect_ok(read_file((unsigned long)"emoji.txt", 9, (unsigned long)buf,
                        sizeof buf),
              4, "read_file(\"emoji.txt\", 16-byte buffer) -> (0, 4)");
    check_apple(buf, 4, "the 4 bytes are F0 9F 8D 8E");
    check_untouched(buf, 4, sizeof buf, "nothing written after the 4 bytes");
    buf[4] = '\0';
    printf("hypercall: emoji.txt is %s\n", (char *)buf);
}

static void test_short_buffers(void) {
    uint8_t buf[4];
    memset(buf, UNTOUCHED, sizeof buf);
    expect_ok(read_file((unsigned long)"emoji.txt", 9, (unsigned long)buf, 2), 2,
              "read_file with a 2-byte buffer -> (0, 2)");
    check_apple(buf, 2, "a 2-byte buffer gets F0 9F");
    check_untouched(buf, 2, 4, "a 2-byte buffer: the bytes after it are untouched");
    memset(buf, UNTOUCHED, sizeof buf);
    expect_ok(read_file((unsigned long)"emoji.txt", 9, (unsigned long)buf, 0), 0,
              "read_file with a 0-byte buffer -> (0, 0)");
    check_untouched(buf, 0, 4, "a 0-byte buffer gets nothing");
}

static void test_wrong_names(void) {
    uint8_t buf[8];
    unsigned long b = (unsigned long)buf;
    memset(buf, UNTOUCHED, sizeof buf);
    expect_error(read_file((unsigned long)"nope.txt", 8, b, sizeof buf),
                 SBI_ERR_INVALID_PARAM,
                 "read_file(\"nope.txt\") -> SBI_ERR_INVALID_PARAM");
    expect_error(read_file((unsigned long)"emoji.txt", 8, b, sizeof buf),
                 SBI_ERR_INVALID_PARAM,
                 "read_file(\"emoji.tx\"), a prefix -> SBI_ERR_INVALID_PARAM");
    expect_error(read_file((unsigned long)"emoji.txtX", 10, b, sizeof buf),
                 SBI_ERR_INVALID_PARAM,
                 "read_file(\"emoji.txtX\") -> SBI_ERR_INVALID_PARAM");
    // The name is 10 bytes whose last one is NUL: still not "emoji.txt". A
    // hypervisor that compares with C string habits reads past its own
    // copy of the name here.
    expect_error(read_file((unsigned long)"emoji.txt\0", 10, b, sizeof buf),
                 SBI_ERR_INVALID_PARAM,
                 "read_file(\"emoji.txt\\0\"), 10 bytes -> SBI_ERR_INVALID_PARAM");
    check_untouched(buf, 0, sizeof buf, "a wrong name writes nothing");
}

// Guest RAM's last bytes are free: run.sh puts the device tree at
// RAM_END - 64 KiB, and it is much smaller than that.
static void test_buffer_addresses(void) {
    uint8_t *tail = (uint8_t *)(RAM_END - 16);
    unsigned long name = (unsigned long)"emoji.txt";
    memset(tail, UNTOUCHED, 16);
    expect_error(read_file(name, 9, RAM_END - 2, 16), SBI_ERR_INVALID_ADDRESS,
                 "a buffer from 2 bytes before the end of RAM, 16 long -> "
                 "SBI_ERR_INVALID_ADDRESS");
    check_untouched(tail, 0, 16, "the refused buffer's RAM part is untouched");
    expect_ok(read_file(name, 9, RAM_END - 4, 4), 4,
              "a buffer that ends exactly at the end of RAM -> (0, 4)");
    check_apple(tail + 12, 4, "the last 4 bytes of RAM got the file");
    expect_error(read_file(name, 9, GUEST_RAM_BASE - 8, 16),
                 SBI_ERR_INVALID_ADDRESS,
                 "a buffer starting below RAM -> SBI_ERR_INVALID_ADDRESS");
    // buf + buf_len overflows to 0x10: "buf + len <= end" would accept it.
    expect_error(read_file(name, 9, 0xFFFFFFFFFFFFFFF0UL, 0x20),
                 SBI_ERR_INVALID_ADDRESS,
                 "a buffer wrapping around (0xFFFFFFFFFFFFFFF0, 0x20) -> "
                 "SBI_ERR_INVALID_ADDRESS");
    expect_error(read_file(name, 9, UART_BASE, 4), SBI_ERR_INVALID_ADDRESS,
                 "a buffer at the UART (0x10000000) -> SBI_ERR_INVALID_ADDRESS");
}

static void test_name_addresses(void) {
    uint8_t buf[8];
    unsigned long b = (unsigned long)buf;
    // "emoji.txt" at the very end of RAM: valid as 9 bytes, not as 10.
    char *tail = (char *)(RAM_END - 9);
    memcpy(tail, "emoji.txt", 9);
    expect_ok(read_file(RAM_END - 9, 9, b, sizeof buf), 4,
              "a name that ends exactly at the end of RAM -> (0, 4)");
    expect_error(read_file(RAM_END - 9, 10, b, sizeof buf),
                 SBI_ERR_INVALID_ADDRESS,
                 "a name 1 byte past the end of RAM -> SBI_ERR_INVALID_ADDRESS");
    expect_error(read_file(0x70000000UL, 9, b, sizeof buf),
                 SBI_ERR_INVALID_ADDRESS,
                 "a name below RAM (0x70000000) -> SBI_ERR_INVALID_ADDRESS");
    expect_error(read_file(UART_BASE, 9, b, sizeof buf), SBI_ERR_INVALID_ADDRESS,
                 "a name at the UART -> SBI_ERR_INVALID_ADDRESS");
    expect_error(read_file(0xFFFFFFFFFFFFFFF0UL, 0x20, b, sizeof buf),
                 SBI_ERR_INVALID_ADDRESS,
                 "a name wrapping around -> SBI_ERR_INVALID_ADDRESS");
}

int main(void) {
    test_whole_file();
    test_short_buffers();
    test_wrong_names();
    test_buffer_addresses();
    test_name_addresses();
    expect_error(sbi_call(SBI_EXT_HV1K, UNKNOWN_HV1K_FID, 0, 0, 0, 0),
                 SBI_ERR_NOT_SUPPORTED,
                 "an unknown hv1k function (FID 1) -> SBI_ERR_NOT_SUPPORTED");
    printf("hypercall: done\n");
    return 0;
}
