/*
 * A guest's device tree, in the shape of QEMU's virt board so that images
 * written for it boot unchanged: memory, cpus with PSCI (HVC), the GICv3,
 * the ITS as the GIC's msi-controller child, the architected timer, the
 * PL011 with its clock, /chosen.
 */
#include <libfdt.h>
#include <stdint.h>

#include "hyp/include/guest_dtb.h"

#define PHANDLE_GIC 1
#define PHANDLE_CLK 2
#define PHANDLE_ITS 3

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4

#define CHECK(e)                                                                                   \
	do {                                                                                       \
		int __r = (e);                                                                     \
		if (__r < 0)                                                                       \
			return __r;                                                                \
	} while (0)

static int prop_u64_pair(void *fdt, const char *name, uint64_t a, uint64_t b)
{
	fdt64_t v[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };

	return fdt_property(fdt, name, v, sizeof(v));
}

static int prop_irq(void *fdt, unsigned type, unsigned nr)
{
	fdt32_t v[3] = { cpu_to_fdt32(type), cpu_to_fdt32(nr), cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH) };

	return fdt_property(fdt, "interrupts", v, sizeof(v));
}

static int node_cpus(void *fdt, unsigned nr)
{
	char name[] = "cpu@0";

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < nr; i++) {
		name[4] = (char)('0' + i);
		CHECK(fdt_begin_node(fdt, name));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_string(fdt, "compatible", "arm,armv8"));
		CHECK(fdt_property_u32(fdt, "reg", i));
		CHECK(fdt_property_string(fdt, "enable-method", "psci"));
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int node_gic(void *fdt, const struct guest_dtb_params *p)
{
	fdt64_t reg[4] = {
		cpu_to_fdt64(p->gicd), cpu_to_fdt64(0x10000),
		cpu_to_fdt64(p->gicr), cpu_to_fdt64(p->gicr_stride * p->nr_vcpus),
	};

	CHECK(fdt_begin_node(fdt, "intc@8000000"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	CHECK(fdt_property_u32(fdt, "#interrupt-cells", 3));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	CHECK(fdt_property_u32(fdt, "#redistributor-regions", 1));
	CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	CHECK(fdt_property_u32(fdt, "phandle", PHANDLE_GIC));
	if (p->its) {
		/* As QEMU's virt board: an empty ranges, the ITS's two 64 KiB frames. */
		CHECK(fdt_property(fdt, "ranges", NULL, 0));
		CHECK(fdt_begin_node(fdt, "its@8080000"));
		CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		CHECK(fdt_property(fdt, "msi-controller", NULL, 0));
		CHECK(fdt_property_u32(fdt, "#msi-cells", 1));
		CHECK(prop_u64_pair(fdt, "reg", p->its, 0x20000));
		CHECK(fdt_property_u32(fdt, "phandle", PHANDLE_ITS));
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int node_timer(void *fdt)
{
	/* Secure physical, non-secure physical (PPI 30), virtual (PPI 27),
	 * hypervisor (PPI 26): PPI numbers 13, 14, 11, 10. */
	static const unsigned ppis[4] = { 13, 14, 11, 10 };
	fdt32_t v[12];

	for (unsigned i = 0; i < 4; i++) {
		v[3 * i] = cpu_to_fdt32(GIC_PPI);
		v[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		v[3 * i + 2] = cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH);
	}
	CHECK(fdt_begin_node(fdt, "timer"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	CHECK(fdt_property(fdt, "interrupts", v, sizeof(v)));
	CHECK(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

static int node_pmu(void *fdt)
{
	/* As QEMU's virt: the overflow interrupt is PPI 7 (INTID 23), level. */
	fdt32_t v[3] = { cpu_to_fdt32(GIC_PPI), cpu_to_fdt32(7), cpu_to_fdt32(IRQ_TYPE_LEVEL_HIGH) };

	CHECK(fdt_begin_node(fdt, "pmu"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
	CHECK(fdt_property(fdt, "interrupts", v, sizeof(v)));
	return fdt_end_node(fdt);
}

static int node_uart(void *fdt, const struct guest_dtb_params *p)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clock_names[] = "uartclk\0apb_pclk";
	fdt32_t clocks[2] = { cpu_to_fdt32(PHANDLE_CLK), cpu_to_fdt32(PHANDLE_CLK) };

	CHECK(fdt_begin_node(fdt, "apb-pclk"));
	CHECK(fdt_property_string(fdt, "compatible", "fixed-clock"));
	CHECK(fdt_property_u32(fdt, "#clock-cells", 0));
	CHECK(fdt_property_u32(fdt, "clock-frequency", p->uart_clock_hz));
	CHECK(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	CHECK(fdt_property_u32(fdt, "phandle", PHANDLE_CLK));
	CHECK(fdt_end_node(fdt));

	CHECK(fdt_begin_node(fdt, "pl011@9000000"));
	CHECK(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	CHECK(prop_u64_pair(fdt, "reg", p->uart, 0x1000));
	CHECK(prop_irq(fdt, GIC_SPI, p->uart_spi));
	CHECK(fdt_property(fdt, "clocks", clocks, sizeof(clocks)));
	CHECK(fdt_property(fdt, "clock-names", clock_names, sizeof(clock_names)));
	return fdt_end_node(fdt);
}

int guest_dtb_build(void *buf, size_t size, const struct guest_dtb_params *p)
{
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";

	if (!p->nr_vcpus || p->nr_vcpus > 9)
		return -FDT_ERR_BADVALUE;
	CHECK(fdt_create(buf, (int)size));
	CHECK(fdt_finish_reservemap(buf));
	CHECK(fdt_begin_node(buf, ""));
	CHECK(fdt_property_u32(buf, "#address-cells", 2));
	CHECK(fdt_property_u32(buf, "#size-cells", 2));
	CHECK(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
	CHECK(fdt_property_string(buf, "model", "hypscope guest"));
	CHECK(fdt_property_u32(buf, "interrupt-parent", PHANDLE_GIC));

	CHECK(fdt_begin_node(buf, "chosen"));
	CHECK(fdt_property_string(buf, "stdout-path", "/pl011@9000000"));
	CHECK(fdt_property_string(buf, "bootargs", p->cmdline ? p->cmdline : ""));
	if (p->initrd_end > p->initrd_start) {
		CHECK(fdt_property_u64(buf, "linux,initrd-start", p->initrd_start));
		CHECK(fdt_property_u64(buf, "linux,initrd-end", p->initrd_end));
	}
	CHECK(fdt_property_string(buf, "hypscope,vm-name", p->name ? p->name : ""));
	CHECK(fdt_property_u64(buf, "hypscope,vm-serial", p->serial));
	CHECK(fdt_end_node(buf));

	CHECK(fdt_begin_node(buf, "aliases"));
	CHECK(fdt_property_string(buf, "serial0", "/pl011@9000000"));
	CHECK(fdt_end_node(buf));

	CHECK(fdt_begin_node(buf, "memory@40000000"));
	CHECK(fdt_property_string(buf, "device_type", "memory"));
	CHECK(prop_u64_pair(buf, "reg", p->ram_ipa, p->ram_size));
	CHECK(fdt_end_node(buf));

	CHECK(node_cpus(buf, p->nr_vcpus));

	CHECK(fdt_begin_node(buf, "psci"));
	CHECK(fdt_property(buf, "compatible", psci_compat, sizeof(psci_compat)));
	CHECK(fdt_property_string(buf, "method", p->psci_smc ? "smc" : "hvc"));
	CHECK(fdt_end_node(buf));

	if (p->sdei) {
		CHECK(fdt_begin_node(buf, "firmware"));
		CHECK(fdt_begin_node(buf, "sdei"));
		CHECK(fdt_property_string(buf, "compatible", "arm,sdei-1.0"));
		CHECK(fdt_property_string(buf, "method", "hvc"));
		CHECK(fdt_end_node(buf));
		CHECK(fdt_end_node(buf));
	}

	CHECK(node_gic(buf, p));
	CHECK(node_timer(buf));
	if (p->pmu)
		CHECK(node_pmu(buf));
	CHECK(node_uart(buf, p));

	CHECK(fdt_end_node(buf));
	CHECK(fdt_finish(buf));
	return fdt_pack(buf);
}
