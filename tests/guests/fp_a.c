// FP guest "a" (fp.h): the recurrence from seed 0.25.
#define FP_NAME "a"
#define FP_SEED 0.25
#include "fp.h"
