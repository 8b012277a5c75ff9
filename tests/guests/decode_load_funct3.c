// decode_load_funct3.c: a LOAD with funct3 7 is not a load on RV64 (RV128's
// ldu): hv1k must refuse to emulate it. See stale_insn.h for how the guest
// shows hv1k one instruction while the hardware runs another (QEMU 7.2).
#define NAME "decode_load_funct3"
#define REAL_INSN "lb a1, 0(a0)"  // a0 = the UART's LSR
#define DECOY_WORD "0x00057583"   // lb a1, 0(a0) with funct3 7
#define OFFSET UART_LSR
#include "stale_insn.h"
