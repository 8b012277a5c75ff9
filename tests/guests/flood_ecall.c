// A flooding guest (flood.h): SBI calls as fast as it can (each one exit).
#define FLOOD_NAME "flood_ecall"
#include "flood.h"

static void flood_once(void) {
    sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0);
}
