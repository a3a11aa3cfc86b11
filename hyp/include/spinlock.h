/*
 * Spinlocks for state that several physical CPUs touch: run queues, VM
 * lifecycle, vGIC state. EL2 builds them on load-acquire exclusives (Armv8.0
 * has no LSE atomics on cortex-a57); the host build uses the same GCC atomic
 * builtins, which is what cmocka tests run.
 */
#ifndef HYP_SPINLOCK_H
#define HYP_SPINLOCK_H

#include <stdint.h>

typedef struct {
	volatile uint32_t v;
} spinlock_t;

#define SPINLOCK_INIT {0}

static inline void spin_lock(spinlock_t *l)
{
	/* Acquire: the critical section cannot be observed before the lock is held.
	 * Pairs with the release in spin_unlock(). */
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			;
}

static inline int spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Release: pairs with the acquire in spin_lock(). */
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

#endif
