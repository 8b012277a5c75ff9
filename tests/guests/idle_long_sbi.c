// Test guest for idle VMs side by side (tests/several.sh idle): idle_sbi.c
// with 600 ms sleeps, its timer set through SBI set_timer.
#define IDLE_DELAY (TIMEBASE_HZ * 3 / 5)
#include "idle_sbi.c"
