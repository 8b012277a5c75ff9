// Test guest for idle VMs side by side (tests/several.sh idle): idle_sstc.c
// with 600 ms sleeps, so that five of them take 3 s, long enough to measure
// that a VM asleep in wfi costs QEMU no CPU time.
#define IDLE_DELAY (TIMEBASE_HZ * 3 / 5)
#include "idle_sstc.c"
