/*
 * Reading QEMU's device tree: RAM, CPUs (their MPIDRs, for PSCI CPU_ON),
 * the GICv3 distributor and redistributors, the console UART, and the PSCI
 * conduit to the firmware.
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "hyp/include/platform.h"

struct platform platform;

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/* The idx-th (address, size) pair of a node's reg, with the root's cell counts. */
static int read_reg(const void *fdt, int node, int idx, uint64_t *addr, uint64_t *size)
{
	int ac = fdt_address_cells(fdt, fdt_parent_offset(fdt, node));
	int sc = fdt_size_cells(fdt, fdt_parent_offset(fdt, node));
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (ac < 1 || ac > 2 || sc < 0 || sc > 2 || !reg)
		return -EINVAL;
	if (len < (idx + 1) * (ac + sc) * 4)
		return -EINVAL;
	reg += idx * (ac + sc);
	*addr = read_cells(reg, ac);
	*size = sc ? read_cells(reg + ac, sc) : 0;
	return 0;
}

static int parse_memory(const void *fdt, struct platform *p)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (type && !strcmp(type, "memory"))
			return read_reg(fdt, node, 0, &p->ram_base, &p->ram_size);
	}
	return -EINVAL;
}

static int parse_cpus(const void *fdt, struct platform *p)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;

	if (cpus < 0)
		return -EINVAL;
	p->nr_cpus = 0;
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		uint64_t mpidr, unused;

		if (!type || strcmp(type, "cpu"))
			continue;
		if (read_reg(fdt, node, 0, &mpidr, &unused))
			return -EINVAL;
		if (p->nr_cpus < HYP_MAX_CPUS)
			p->mpidr[p->nr_cpus++] = mpidr;
	}
	return p->nr_cpus ? 0 : -EINVAL;
}

static int parse_uart(const void *fdt, struct platform *p)
{
	const char *path = NULL;
	int node = -1, chosen = fdt_path_offset(fdt, "/chosen");
	uint64_t size;

	if (chosen >= 0)
		path = fdt_getprop(fdt, chosen, "stdout-path", NULL);
	if (path) {
		const char *colon = strchr(path, ':');

		node = fdt_path_offset_namelen(fdt, path, colon ? (int)(colon - path) : (int)strlen(path));
	}
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
	if (node < 0)
		return -EINVAL;
	/* interrupts = <type number flags>: type 0 is an SPI, INTID 32 + number. */
	{
		int len;
		const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

		if (irq && len >= 12 && fdt32_to_cpu(irq[0]) == 0 && fdt32_to_cpu(irq[1]) < 988)
			p->uart_intid = 32 + fdt32_to_cpu(irq[1]);
	}
	return read_reg(fdt, node, 0, &p->uart, &size);
}

/* The second PL011 at GDB_UART_PA, which QEMU's virt board has with two -serial. */
static void parse_gdb_uart(const void *fdt, struct platform *p)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		uint64_t addr, size;
		int len;
		const fdt32_t *irq;

		if (fdt_node_check_compatible(fdt, node, "arm,pl011") ||
		    read_reg(fdt, node, 0, &addr, &size) || addr != GDB_UART_PA || addr == p->uart)
			continue;
		irq = fdt_getprop(fdt, node, "interrupts", &len);
		if (!irq || len < 12 || fdt32_to_cpu(irq[0]) != 0 || fdt32_to_cpu(irq[1]) >= 988)
			continue;
		p->gdb_uart = addr;
		p->gdb_uart_intid = 32 + fdt32_to_cpu(irq[1]);
		return;
	}
}

int platform_parse(const void *fdt, struct platform *p, const char **why)
{
	int node;
	const char *method;

	memset(p, 0, sizeof(*p));
	if (fdt_check_header(fdt)) {
		*why = "no valid device tree";
		return -EINVAL;
	}
	if (parse_memory(fdt, p)) {
		*why = "no /memory node";
		return -EINVAL;
	}
	if (parse_cpus(fdt, p)) {
		*why = "no CPUs under /cpus";
		return -EINVAL;
	}
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
	if (node < 0 || read_reg(fdt, node, 0, &p->gicd, &(uint64_t){ 0 }) ||
	    read_reg(fdt, node, 1, &p->gicr, &p->gicr_size)) {
		*why = "no GICv3 (QEMU needs -M virt,gic-version=3)";
		return -EINVAL;
	}
	if (parse_uart(fdt, p)) {
		*why = "no PL011 console";
		return -EINVAL;
	}
	parse_gdb_uart(fdt, p);
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci");
	if (node >= 0) {
		method = fdt_getprop(fdt, node, "method", NULL);
		p->have_psci = method != NULL;
		p->psci_smc = method && !strcmp(method, "smc");
	}
	return 0;
}
