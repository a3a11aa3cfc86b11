/*
 * Names of the registers of the devices the hypervisor emulates, by offset
 * within the device's region, for the MMIO breakdown and the event log:
 * PL011 (Arm PL011 TRM, DDI 0183, 3.2 "Summary of registers"), GICv3
 * distributor and redistributor (IHI 0069, 12.8 and 12.10/12.11).
 */
#ifndef TUI_REGNAMES_H
#define TUI_REGNAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * "FR", "GICD_ISENABLER1", "GICR_WAKER", "GICD_IPRIORITYR8+2" (a byte
 * inside a register); NULL when the offset names no register.
 */
const char *top_mmio_reg_name(uint32_t device, uint64_t offset, char *buf, size_t len);

#endif
