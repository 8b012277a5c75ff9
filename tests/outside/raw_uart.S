# A guest built outside hv1k's guest runtime: plain assembly, assembled into
# a raw binary. Its console is the UART alone (every store is an emulated
# MMIO access); it prints where it runs and ends with SBI SRST shutdown.
# All addressing is pc-relative, so it runs at any load address.
    .text
    .globl _start
_start:
    la a0, hello
    call uart_puts
    la a0, _start          # pc-relative: where this copy really runs
    call uart_puthex
    la a0, newline
    call uart_puts
    li a7, 0x53525354      # SRST
    li a6, 0               # system_reset
    li a0, 0               # shutdown
    li a1, 0               # no reason
    ecall
1:  j 1b

# uart_puts(a0 = string): THR is at 0x10000000, LSR at +5 (bit 5: THR empty).
uart_puts:
    li t0, 0x10000000
2:  lbu t1, 0(a0)
    beqz t1, 4f
3:  lbu t2, 5(t0)
    andi t2, t2, 0x20
    beqz t2, 3b
    sb t1, 0(t0)
    addi a0, a0, 1
    j 2b
4:  ret

# uart_puthex(a0): "0x" and 16 hex digits.
uart_puthex:
    li t0, 0x10000000
    li t1, '0'
    sb t1, 0(t0)
    li t1, 'x'
    sb t1, 0(t0)
    li t3, 60              # shift for the top digit
5:  srl t1, a0, t3
    andi t1, t1, 15
    addi t1, t1, '0'
    li t2, '9'
    ble t1, t2, 6f
    addi t1, t1, 'a' - '9' - 1
6:  sb t1, 0(t0)
    addi t3, t3, -4
    bgez t3, 5b
    ret

hello:   .asciz "raw: running at "
newline: .asciz "\n"
