// A flooding guest (flood.h): writes its UART as fast as it can, a line of
// 64 bytes at a time (each byte one MMIO exit).
#define FLOOD_NAME "flood_uart"
#include "flood.h"

static void flood_once(void) {
    uart_puts("flood_uart: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
}
