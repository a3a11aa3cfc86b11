/*
 * Console input: what is typed at the machine's console (the physical PL011
 * the hypervisor owns) goes to one VM's emulated PL011, the focused one.
 * Ctrl-A then a digit 0-7 focuses another VM slot, Ctrl-A Ctrl-A sends a
 * Ctrl-A, Ctrl-A ? lists the slots.
 */
#ifndef HYP_CONSOLE_H
#define HYP_CONSOLE_H

#include <stdint.h>

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

/* At boot, once the VMs are described: focus the first Linux guest, else slot 0. */
void console_input_init(void);
/* A VM just created: its UART writes characters at once if it has the focus. */
struct vm;
void console_attach(struct vm *vm);
/* One character typed at the console. */
void console_input(uint8_t c);
/* The focused slot, and characters dropped because its UART's FIFO was full. */
unsigned console_focus(void);
uint64_t console_dropped(void);

#endif
