/*
 * The MMIO bus: a VM's emulated device regions. A stage-2 data abort on an
 * address inside a region is decoded (formats/esr.h) and handed to the
 * region's handler; anywhere else, the guest gets an external abort.
 */
#ifndef HYP_MMIO_H
#define HYP_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/*
 * Returns false when the access is not one the device accepts (the guest then
 * gets an external abort, as a bus error on real hardware).
 */
typedef bool (*mmio_handler_t)(void *opaque, struct vcpu *vcpu, uint64_t offset, unsigned size,
			       bool write, uint64_t *val);

struct mmio_region {
	uint64_t base;
	uint64_t size;
	const char *name;
	uint32_t dev_id;     /* enum trace_device (formats/trace.h): one numbering for all */
	mmio_handler_t handler;
	void *opaque;
};

#define MMIO_MAX_REGIONS 8

struct mmio_bus {
	struct mmio_region regions[MMIO_MAX_REGIONS];
	unsigned nr;
};

void mmio_bus_init(struct mmio_bus *bus);
/* 0, or -EEXIST when it overlaps a region, -ENOSPC when the bus is full, -EINVAL. */
int mmio_bus_add(struct mmio_bus *bus, uint64_t base, uint64_t size, const char *name,
		 uint32_t dev_id, mmio_handler_t handler, void *opaque);
const struct mmio_region *mmio_bus_find(const struct mmio_bus *bus, uint64_t ipa, unsigned size);

#endif
