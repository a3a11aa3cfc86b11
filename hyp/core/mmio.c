/*
 * The MMIO bus (hyp/include/mmio.h): a VM's emulated device regions, and the
 * decoding of a stage-2 data abort into an access one of them handles.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hyp/include/mmio.h"

void mmio_bus_init(struct mmio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int mmio_bus_add(struct mmio_bus *bus, uint64_t base, uint64_t size, const char *name,
		 uint32_t dev_id, mmio_handler_t handler, void *opaque)
{
	if (!size || !handler || base + size < base)
		return -EINVAL;
	if (bus->nr == MMIO_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct mmio_region *r = &bus->regions[i];

		if (base < r->base + r->size && r->base < base + size)
			return -EEXIST;
	}
	bus->regions[bus->nr++] = (struct mmio_region){
		.base = base,
		.size = size,
		.name = name,
		.dev_id = dev_id,
		.handler = handler,
		.opaque = opaque,
	};
	return 0;
}

/* The region holding the whole access [ipa, ipa + size), or NULL. */
const struct mmio_region *mmio_bus_find(const struct mmio_bus *bus, uint64_t ipa, unsigned size)
{
	for (unsigned i = 0; i < bus->nr; i++) {
		const struct mmio_region *r = &bus->regions[i];

		if (ipa >= r->base && ipa - r->base < r->size && size <= r->size - (ipa - r->base))
			return r;
	}
	return NULL;
}
