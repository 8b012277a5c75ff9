// flood.h: the whole of a flooding guest, for fairness between VMs. A guest
// file defines FLOOD_NAME and flood_once(), one operation that costs hv1k
// work (an exit), and includes this file. For FLOOD_SECONDS of `time` it
// repeats the operation as fast as it can, then prints how many it made
// and shuts down cleanly.
#include "../../guest/guest.h"

#define FLOOD_SECONDS 3

static void flood_once(void);

int main(void) {
    unsigned long end = read_time() + FLOOD_SECONDS * TIMEBASE_HZ, n = 0;
    printf("%s: flooding for %d s\n", FLOOD_NAME, FLOOD_SECONDS);
    for (; read_time() < end; n++)
        flood_once();
    printf("\n%s: done, %lu operations\n", FLOOD_NAME, n);
    return 0;
}
