# The first instructions of every hv1k test and demo guest. The hypervisor
# (or any SBI firmware) enters here in S-mode with a0 = hart ID and a1 = the
# device tree, paging off.
    .section .text.start
    .globl _start
_start:
    la sp, __stack_top
    j start_guest          # guest.h: clears .bss, runs main, shuts down
