/* Compiler attributes and bit, alignment and access helpers, for EL2 and the host alike. */
#ifndef HYP_COMPILER_H
#define HYP_COMPILER_H

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)  (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define BIT(n)          (1ull << (n))
#define GENMASK(h, l)   (((~0ull) << (l)) & (~0ull >> (63 - (h))))
#define FIELD(v, h, l)  (((v) >> (l)) & (~0ull >> (63 - (h) + (l))))
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))
#define __noreturn      __attribute__((noreturn))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define __aligned(n)    __attribute__((aligned(n)))
#define __unused        __attribute__((unused))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
#define READ_ONCE(x)    (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define container_of(p, T, m) ((T *)((char *)(p) - __builtin_offsetof(T, m)))

#endif
