// Test guest for wfi (idle.h): five 100 ms sleeps in wfi, each woken by the
// guest's own Sstc timer, `stimecmp` (from VS-mode: vstimecmp), which the
// guest writes itself without any SBI call.
//
// It checks "ok: idle_sstc: 5 wakeups, none early, each within 50 ms of its
// deadline".
#define IDLE_NAME "idle_sstc"
#include "idle.h"

static void set_timer(unsigned long when) { WRITE_CSR(stimecmp, when); }
