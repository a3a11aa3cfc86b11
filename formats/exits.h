/*
 * Exit classes: how an exit from a guest to EL2 is counted and traced.
 *
 * A synchronous exit is counted under its ESR_EL2 exception class (0x00..0x3f).
 * Asynchronous exits get the classes above that.
 */
#ifndef FORMATS_EXITS_H
#define FORMATS_EXITS_H

#define HYP_EXIT_SYNC_LAST 0x3fu /* ESR_EL2.EC values */
#define HYP_EXIT_IRQ       0x40u
#define HYP_EXIT_FIQ       0x41u
#define HYP_EXIT_SERROR    0x42u
#define HYP_EXIT_ILLEGAL   0x43u /* an exception type the vectors do not expect */
#define HYP_EXIT_CLASSES   0x44u

#endif
