// decode_store_funct3.c: a STORE with funct3 4 is not a store on RV64
// (RV128's sq), nor are 5-7: hv1k must refuse to emulate it. See
// stale_insn.h for how the guest shows hv1k one instruction while the
// hardware runs another (QEMU 7.2).
#define NAME "decode_store_funct3"
#define REAL_INSN "sb a1, 0(a0)"  // a0 = the UART's THR, a1 = 'B'
#define DECOY_WORD "0x00b54023"   // sb a1, 0(a0) with funct3 4
#define OFFSET UART_RBR
#include "stale_insn.h"
