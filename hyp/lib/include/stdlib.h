/* The freestanding subset of <stdlib.h> the hypervisor (and libfdt) uses. */
#ifndef HYP_LIB_STDLIB_H
#define HYP_LIB_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *s, char **end, int base);

#endif
