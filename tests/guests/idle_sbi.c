// Test guest for wfi (idle.h): five 100 ms sleeps in wfi, each woken by the
// guest's timer as armed through SBI TIME set_timer. Run it with the default
// options (Sstc: hv1k writes vstimecmp) and with --no-sstc (hv1k's own timer
// raises hvip.VSTIP).
//
// It checks "ok: idle_sbi: 5 wakeups, none early, each within 50 ms of its
// deadline".
#define IDLE_NAME "idle_sbi"
#include "idle.h"

static void set_timer(unsigned long when) { sbi_set_timer(when); }
