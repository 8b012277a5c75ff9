# The first instructions of every hv1k test and demo guest. The hypervisor
# (or any SBI firmware) enters here in S-mode with a0 = hart ID and a1 = the
# device tree, paging off (with --serve: a0 = the request's guest physical
# address, a1 = its length). a0 and a1 go on unchanged to start_guest(a0, a1).
    .section .text.start
    .globl _start
_start:
    la sp, __stack_top
    j start_guest          # guest.h: clears .bss, keeps a0/a1, runs main,
                           # shuts down
