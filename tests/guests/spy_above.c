// Spy guest (spy.h): stores to GPA 0x20000000000 (2^41), the first address
// above what Sv39x4 translates: the G-stage must fault, not wrap it around.
#define SPY_TARGET 0x20000000000UL
#include "spy.h"
