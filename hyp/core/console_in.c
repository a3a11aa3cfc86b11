/*
 * Console input (hyp/include/console.h): characters typed at QEMU's UART go
 * to one VM's emulated PL011, the focused one; Ctrl-A then a digit moves the
 * focus, Ctrl-A ? lists the VMs, Ctrl-A Ctrl-A sends a Ctrl-A.
 */
#include <stdbool.h>

#include "hyp/include/console.h"
#include "hyp/include/log.h"
#include "hyp/include/run.h"
#include "hyp/include/vm.h"

static unsigned focus;
static bool escape;
static uint64_t dropped;

static void list_slots(void)
{
	for (unsigned i = 0; i < hypcfg->nr_vms; i++)
		hyp_log("console: Ctrl-A %u: %s%s", i, hypcfg->vms[i].name,
			i == focus ? " (input goes here)" : "");
}

static void uart_chars(void *opaque, const char *s, unsigned len)
{
	struct vm *vm = opaque;

	console_write_chars(vm->cfg->name, s, len);
}

static bool interactive(unsigned slot)
{
	return slot == focus && (hypcfg->flags & HYPCFG_F_INTERACTIVE);
}

/* The focused VM's UART writes characters as they come (prompts show) when
 * someone types at the console. */
void console_attach(struct vm *vm)
{
	pl011_set_interactive(&vm->uart, uart_chars, interactive(vm->slot));
}

static void set_focus(unsigned slot)
{
	struct vm *old = &vms[focus], *new = &vms[slot];

	spin_lock(&old->lock);
	if (old->state == VM_RUNNING)
		pl011_set_interactive(&old->uart, uart_chars, false);
	spin_unlock(&old->lock);
	focus = slot;
	spin_lock(&new->lock);
	if (new->state == VM_RUNNING)
		pl011_set_interactive(&new->uart, uart_chars, interactive(slot));
	spin_unlock(&new->lock);
}

void console_input_init(void)
{
	focus = 0;
	for (unsigned i = 0; i < hypcfg->nr_vms; i++) {
		if (hypcfg->vms[i].kind == HYPCFG_IMAGE_LINUX) {
			focus = i;
			break;
		}
	}
	hyp_log("console: input goes to %s; Ctrl-A then 0-%u picks another VM, Ctrl-A ? lists them",
		hypcfg->vms[focus].name, hypcfg->nr_vms - 1);
}

/*
 * Into the focused VM's UART while that VM runs. Under the VM's lock: a VM
 * is never created or torn down while it is RUNNING, so its UART is there.
 */
static void deliver(uint8_t c)
{
	struct vm *vm = &vms[focus];

	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING && !pl011_rx_push(&vm->uart, c))
		dropped++;
	spin_unlock(&vm->lock);
}

void console_input(uint8_t c)
{
	if (!escape) {
		if (c == CONSOLE_ESCAPE)
			escape = true;
		else
			deliver(c);
		return;
	}
	escape = false;
	if (c >= '0' && c <= '9') {
		unsigned slot = (unsigned)(c - '0');

		if (slot < hypcfg->nr_vms) {
			set_focus(slot);
			hyp_log("console: input goes to %s", hypcfg->vms[slot].name);
		} else {
			hyp_log("console: no VM %u (0-%u)", slot, hypcfg->nr_vms - 1);
		}
	} else if (c == '?' || c == 'h') {
		list_slots();
	} else if (c == CONSOLE_ESCAPE) {
		deliver(c);
	} else {
		/* Not a command: both characters go to the guest. */
		deliver(CONSOLE_ESCAPE);
		deliver(c);
	}
}

unsigned console_focus(void)
{
	return focus;
}

uint64_t console_dropped(void)
{
	return dropped;
}
