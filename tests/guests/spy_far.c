// Spy guest (spy.h): stores to GPA 0x8000000000 (2^39), far above its RAM
// but still inside the G-stage's Sv39x4 range (GPAs below 2^41).
#define SPY_TARGET 0x8000000000UL
#include "spy.h"
