/*
 * Register names of the devices hypscope emulates for guests, by offset in
 * the device's region (formats/trace.h enum trace_device numbering): the
 * GICv3 distributor, redistributor (RD frame, then the SGI frame at 64 KiB),
 * and the PL011. For reports: "GICD_ISENABLER1" rather than "GICD+0x104".
 */
#ifndef FORMATS_MMIO_REGS_H
#define FORMATS_MMIO_REGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes the register's name into buf: the name for a single register, with
 * an index and byte for arrays ("GICD_IPRIORITYR8+2", "GICD_IROUTER40"), or
 * "" when the offset is not a register of that device. Returns buf.
 */
const char *mmio_reg_name(uint32_t device, uint64_t offset, char *buf, size_t len);

#endif
