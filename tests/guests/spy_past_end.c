// Spy guest (spy.h): stores to GPA 0x84000000, the first byte past a 64 MiB
// RAM (run it with the default --mem): the next VM's RAM may well sit right
// there in host memory.
#define SPY_TARGET 0x84000000UL
#include "spy.h"
