// Test guest for several VMs at once: a VM that ends at once while the
// others go on running. It prints one line and shuts down cleanly.
#include "../../guest/guest.h"

int main(void) {
    printf("early: shutting down at once\n");
    return 0;
}
