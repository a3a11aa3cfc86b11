/*
 * Debian builds libfdt with -fstack-protector-strong, so the EL2 image must
 * provide the guard and the failure hook. The hypervisor's own code is built
 * without the stack protector.
 */
#include <stdint.h>

#include "hyp/include/panic.h"

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack protector: corrupted stack in libfdt");
}
