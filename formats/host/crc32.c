/*
 * CRC-32 of the trace file: the IEEE 802.3 polynomial, reflected, as zlib's
 * crc32() computes it (docs/trace-format.md).
 *
 * libdeflate's libdeflate_crc32() does it with 128-bit carry-less multiplies
 * where the CPU has them (libdeflate 1.14, Debian 12: about 12 GB/s here on a
 * 64 KiB buffer in cache). On an x86-64 CPU with VPCLMULQDQ and AVX-512 the
 * bulk of a long buffer is folded here 512 bits a multiply instead, four
 * registers at a time (about 45 GB/s on the same buffer), and libdeflate
 * finishes: the 128 bits the fold leaves and the last bytes.
 *
 * The fold, in the reflected domain (a 64-bit half of a 128-bit lane holds
 * the terms x^63 .. x^0 from bit 0 up): a lane X = H x^64 + L, D bits ahead
 * of the lane it is folded into, is congruent there, modulo P, to
 * H (x^(64+D) mod P) + L (x^D mod P), two 32-bit by 64-bit products of
 * degree below 96. The carry-less product of two such halves comes out one
 * term low (bit k stands for x^(126-k), the lane's bit k for x^(127-k)), so
 * the constants are x^(64+D-1) mod P and x^(D-1) mod P, bit-reversed into
 * the high 32 bits of a 64-bit word. The fold keeps the whole message
 * congruent to the last 128 bits it leaves, which are then the message whose
 * CRC, from a zero register, is the buffer's. The initial CRC is the
 * register XORed into the first 32 bits.
 */
#include <libdeflate.h>
#include <stdbool.h>
#include <stdint.h>

#include "formats/host/tracefile.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define CRC_FOLD_MIN 256u /* shorter buffers go to libdeflate whole */

/*
 * x^n mod P, bit-reversed into the high half: start from 1, n times shift
 * left and XOR 0x104c11db7 when bit 32 is set, then put bit d at bit 63 - d.
 * A wrong one fails test_crc32_of_any_length_and_alignment_matches_the_bitwise_crc.
 */
#define X2111 0x7cc8e1e700000000ll
#define X2047 0x03f9f86300000000ll
#define X575  0x653d982200000000ll
#define X511  0xcad38e8f00000000ll
#define X447  0x69ccfc0d00000000ll
#define X383  0x2a28386200000000ll
#define X319  0x9570d49500000000ll
#define X255  0x01b5fd1d00000000ll
#define X191  0x65673b4600000000ll
#define X127  0x9ba54c6f00000000ll

#define CRC_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul")))

/* Each 128-bit lane of a folded into the lane of d, D bits ahead: k holds its two constants. */
#define FOLD(a, k, d)                                                              \
	_mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00),            \
				  _mm512_clmulepi64_epi128(a, k, 0x11), d, 0x96)

/* len >= 64 bytes at p: the whole 64-byte blocks folded, the rest to libdeflate. */
CRC_TARGET static uint32_t crc_fold(uint32_t crc, const uint8_t *p, size_t len)
{
	/* D = 2048 (256 bytes: four registers ahead), D = 512 (one register ahead) */
	const __m512i k256 = _mm512_set_epi64(X2047, X2111, X2047, X2111, X2047, X2111, X2047, X2111);
	const __m512i k64 = _mm512_set_epi64(X511, X575, X511, X575, X511, X575, X511, X575);
	/* lanes 0, 1, 2 into lane 3: D = 384, 256, 128; lane 3 stays (taken from a0 below) */
	const __m512i k_lanes = _mm512_set_epi64(0, 0, X127, X191, X255, X319, X383, X447);
	size_t n = len & ~(size_t)63;
	__m512i a0, a1, a2, a3, t;
	uint8_t rest[16];
	__m128i r;

	a0 = _mm512_xor_si512(_mm512_loadu_si512(p),
			      _mm512_castsi128_si512(_mm_cvtsi32_si128((int)~crc)));
	p += 64;
	n -= 64;
	if (n >= 192) {
		a1 = _mm512_loadu_si512(p);
		a2 = _mm512_loadu_si512(p + 64);
		a3 = _mm512_loadu_si512(p + 128);
		for (p += 192, n -= 192; n >= 256; p += 256, n -= 256) {
			a0 = FOLD(a0, k256, _mm512_loadu_si512(p));
			a1 = FOLD(a1, k256, _mm512_loadu_si512(p + 64));
			a2 = FOLD(a2, k256, _mm512_loadu_si512(p + 128));
			a3 = FOLD(a3, k256, _mm512_loadu_si512(p + 192));
		}
		a0 = FOLD(a0, k64, a1);
		a0 = FOLD(a0, k64, a2);
		a0 = FOLD(a0, k64, a3);
	}
	for (; n; p += 64, n -= 64)
		a0 = FOLD(a0, k64, _mm512_loadu_si512(p));
	t = _mm512_xor_si512(_mm512_clmulepi64_epi128(a0, k_lanes, 0x00),
			     _mm512_clmulepi64_epi128(a0, k_lanes, 0x11));
	r = _mm_ternarylogic_epi64(_mm512_extracti32x4_epi32(t, 0), _mm512_extracti32x4_epi32(t, 1),
				   _mm512_extracti32x4_epi32(t, 2), 0x96);
	r = _mm_ternarylogic_epi64(r, _mm512_extracti32x4_epi32(t, 3),
				   _mm512_extracti32x4_epi32(a0, 3), 0x96);
	_mm_storeu_si128((__m128i *)rest, r);
	/* the CRC of those 128 bits from a zero register is the CRC so far */
	crc = (uint32_t)libdeflate_crc32(0xffffffffu, rest, sizeof(rest));
	return (uint32_t)libdeflate_crc32(crc, p, len & 63);
}

static bool crc_can_fold(void)
{
	static int can = -1; /* a race only computes the same answer twice */
	int c = __atomic_load_n(&can, __ATOMIC_RELAXED);

	if (c < 0) {
		__builtin_cpu_init();
		c = __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512vl");
		__atomic_store_n(&can, c, __ATOMIC_RELAXED);
	}
	return c;
}
#endif

uint32_t tf_crc32(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (len >= CRC_FOLD_MIN && crc_can_fold())
		return crc_fold(crc, buf, len);
#endif
	return (uint32_t)libdeflate_crc32(crc, buf, len);
}
