// FP guest "b" (fp.h): the recurrence from seed 0.75, so its registers hold
// other values than fp_a's all along.
#define FP_NAME "b"
#define FP_SEED 0.75
#include "fp.h"
