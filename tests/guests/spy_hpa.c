// Spy guest (spy.h): stores to GPA 0xC0000000, where hv1k places VM 1's RAM
// in host memory. As a GPA it lies outside this VM's RAM (0x80000000 -
// 0x84000000 with the default 64 MiB), so it must not reach VM 1's RAM (or
// anything) as a host physical address would.
#define SPY_TARGET 0xC0000000UL
#include "spy.h"
