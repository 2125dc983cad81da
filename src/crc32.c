/*
 * crc32.c - CRC-32 (the zip, gzip and PNG one) at memory speed.
 *
 * The CRC of a message M is M(x) * x^32 mod P(x) over GF(2), with the
 * bits of every byte taken least significant first (the "reflected"
 * convention) and the register complemented before and after.
 *
 * The portable loop is slicing-by-8: table k holds the effect of a byte
 * followed by k zero bytes, so eight bytes cost eight lookups.
 *
 * The x86-64 loops fold: a 128-bit block A followed by n more bits of
 * message is congruent, mod P, to A * x^n, and A * x^n is the sum of its
 * two 64-bit halves each multiplied by a 32-bit constant (x^(n+64) mod P
 * and x^n mod P), which PCLMULQDQ does in one instruction each.  Four
 * 128-bit accumulators are folded over 512 bits per round, then into one,
 * whose 16 bytes are finally run through the table loop from a zero
 * register: that gives their remainder times x^32, the CRC register.
 * Where VPCLMULQDQ is there, four 256-bit accumulators (eight blocks) are
 * folded over 1024 bits per round the same way, two blocks at a time.
 *
 * In the reflected layout a 64-bit lane holds the coefficient of x^d in
 * bit 63 - d, and the carry-less product of two such lanes lands one bit
 * short of the 128-bit reflected layout: it is the product times x.  The
 * constants are therefore x^(n+63) and x^(n-1) mod P, computed below at
 * start-up rather than written out.
 */
#include "config.h"

#include "crc32.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "endian.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DM_CRC_CLMUL	1
#include <immintrin.h>
#endif

#define DM_CRC_POLY	0xedb88320u	/* 0x04c11db7, bits reversed */
#define DM_CRC_PNORMAL	0x104c11db7ULL	/* with its x^32 term */

/* Below this many bytes the simpler loop is as fast. */
#define DM_CRC_CLMUL_MIN	128
#define DM_CRC_VCLMUL_MIN	256

/* What dm_crc32() uses. */
enum crc_impl {
	CRC_TABLES,
	CRC_CLMUL,		/* PCLMULQDQ on 128-bit registers */
	CRC_VCLMUL		/* VPCLMULQDQ on 256-bit registers */
};

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static enum crc_impl crc_impl;

#ifdef DM_CRC_CLMUL
/* Folding constants over 1024, 512, 256 and 128 bits: low, high lane. */
static uint64_t crc_k1024[2];
static uint64_t crc_k512[2];
static uint64_t crc_k256[2];
static uint64_t crc_k128[2];
#endif

#ifdef DM_CRC_CLMUL
/* x^n mod P, with the coefficient of x^d in bit d. */
static uint32_t
crc_xpow(unsigned int n)
{
	uint64_t r = 1;

	while (n-- > 0) {
		r <<= 1;
		if (r & ((uint64_t)1 << 32))
			r ^= DM_CRC_PNORMAL;
	}
	return (uint32_t)r;
}

/* x^(n-1) mod P in a reflected 64-bit lane (x^d in bit 63 - d). */
static uint64_t
crc_fold_constant(unsigned int n)
{
	uint64_t k = 0;
	uint32_t r;
	int d;

	r = crc_xpow(n - 1);
	for (d = 0; d < 32; d++)
		if ((r >> d) & 1)
			k |= (uint64_t)1 << (63 - d);
	return k;
}
#endif

static void
crc_init(void)
{
	uint32_t c;
	int b, j, k;

	for (b = 0; b < 256; b++) {
		c = (uint32_t)b;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ DM_CRC_POLY : c >> 1;
		crc_tab[0][b] = c;
	}
	for (k = 1; k < 8; k++)
		for (b = 0; b < 256; b++)
			crc_tab[k][b] = (crc_tab[k - 1][b] >> 8) ^
			    crc_tab[0][crc_tab[k - 1][b] & 0xff];
#ifdef DM_CRC_CLMUL
	/* The low lane is 64 bits further from the end than the high. */
	crc_k1024[0] = crc_fold_constant(1024 + 64);
	crc_k1024[1] = crc_fold_constant(1024);
	crc_k512[0] = crc_fold_constant(512 + 64);
	crc_k512[1] = crc_fold_constant(512);
	crc_k256[0] = crc_fold_constant(256 + 64);
	crc_k256[1] = crc_fold_constant(256);
	crc_k128[0] = crc_fold_constant(128 + 64);
	crc_k128[1] = crc_fold_constant(128);
	__builtin_cpu_init();
	if (__builtin_cpu_supports("pclmul"))
		crc_impl = CRC_CLMUL;
	if (crc_impl == CRC_CLMUL && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("vpclmulqdq"))
		crc_impl = CRC_VCLMUL;
#endif
}

/* The table loop on the (complemented) register c. */
static uint32_t
crc_slice8(uint32_t c, const unsigned char *p, size_t len)
{
	uint32_t lo, hi;

	while (len >= 8) {
		lo = c ^ dm_le32dec(p);
		hi = dm_le32dec(p + 4);
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		    crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		    crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
	return c;
}

#ifdef DM_CRC_CLMUL
/* x * x^n + y, with k holding the constants of the two lanes of x. */
__attribute__((target("pclmul")))
static inline __m128i
crc_fold(__m128i x, __m128i y, __m128i k)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
	    _mm_clmulepi64_si128(x, k, 0x11)), y);
}

/*
 * Folds the whole 16-byte blocks of p into x, then reduces x and the
 * bytes left to the CRC register.
 */
__attribute__((target("pclmul")))
static uint32_t
crc_finish(__m128i x, const unsigned char *p, size_t len)
{
	unsigned char last[16];
	__m128i k;

	k = _mm_set_epi64x((long long)crc_k128[1], (long long)crc_k128[0]);
	while (len >= 16) {
		x = crc_fold(x, _mm_loadu_si128((const __m128i *)p), k);
		p += 16;
		len -= 16;
	}
	_mm_storeu_si128((__m128i *)last, x);
	return crc_slice8(crc_slice8(0, last, sizeof last), p, len);
}

/* The folding loop on the register c; len is at least 64. */
__attribute__((target("pclmul")))
static uint32_t
crc_clmul(uint32_t c, const unsigned char *p, size_t len)
{
	__m128i x0, x1, x2, x3, k;

	/* The register is added to the first 32 bits of the message. */
	x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p),
	    _mm_cvtsi32_si128((int)c));
	x1 = _mm_loadu_si128((const __m128i *)(p + 16));
	x2 = _mm_loadu_si128((const __m128i *)(p + 32));
	x3 = _mm_loadu_si128((const __m128i *)(p + 48));
	p += 64;
	len -= 64;

	k = _mm_set_epi64x((long long)crc_k512[1], (long long)crc_k512[0]);
	while (len >= 64) {
		x0 = crc_fold(x0, _mm_loadu_si128((const __m128i *)p), k);
		x1 = crc_fold(x1, _mm_loadu_si128((const __m128i *)(p + 16)),
		    k);
		x2 = crc_fold(x2, _mm_loadu_si128((const __m128i *)(p + 32)),
		    k);
		x3 = crc_fold(x3, _mm_loadu_si128((const __m128i *)(p + 48)),
		    k);
		p += 64;
		len -= 64;
	}

	k = _mm_set_epi64x((long long)crc_k128[1], (long long)crc_k128[0]);
	x1 = crc_fold(x0, x1, k);
	x2 = crc_fold(x1, x2, k);
	x3 = crc_fold(x2, x3, k);
	return crc_finish(x3, p, len);
}

/* crc_fold() on two blocks at a time. */
__attribute__((target("avx2,vpclmulqdq")))
static inline __m256i
crc_vfold(__m256i x, __m256i y, __m256i k)
{
	return _mm256_xor_si256(_mm256_xor_si256(
	    _mm256_clmulepi64_epi128(x, k, 0x00),
	    _mm256_clmulepi64_epi128(x, k, 0x11)), y);
}

__attribute__((target("avx2,vpclmulqdq")))
static inline __m256i
crc_vconst(const uint64_t k[2])
{
	return _mm256_set_epi64x((long long)k[1], (long long)k[0],
	    (long long)k[1], (long long)k[0]);
}

/* The folding loop on 256-bit registers; len is at least 128. */
__attribute__((target("avx2,vpclmulqdq,pclmul")))
static uint32_t
crc_vclmul(uint32_t c, const unsigned char *p, size_t len)
{
	__m256i y0, y1, y2, y3, k;
	__m128i x, k1;

	y0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)p),
	    _mm256_setr_epi32((int)c, 0, 0, 0, 0, 0, 0, 0));
	y1 = _mm256_loadu_si256((const __m256i *)(p + 32));
	y2 = _mm256_loadu_si256((const __m256i *)(p + 64));
	y3 = _mm256_loadu_si256((const __m256i *)(p + 96));
	p += 128;
	len -= 128;

	k = crc_vconst(crc_k1024);
	while (len >= 128) {
		y0 = crc_vfold(y0, _mm256_loadu_si256((const __m256i *)p), k);
		y1 = crc_vfold(y1,
		    _mm256_loadu_si256((const __m256i *)(p + 32)), k);
		y2 = crc_vfold(y2,
		    _mm256_loadu_si256((const __m256i *)(p + 64)), k);
		y3 = crc_vfold(y3,
		    _mm256_loadu_si256((const __m256i *)(p + 96)), k);
		p += 128;
		len -= 128;
	}

	k = crc_vconst(crc_k256);
	y1 = crc_vfold(y0, y1, k);
	y2 = crc_vfold(y1, y2, k);
	y3 = crc_vfold(y2, y3, k);
	while (len >= 32) {
		y3 = crc_vfold(y3, _mm256_loadu_si256((const __m256i *)p), k);
		p += 32;
		len -= 32;
	}

	/* The low half comes first in the message. */
	k1 = _mm_set_epi64x((long long)crc_k128[1], (long long)crc_k128[0]);
	x = crc_fold(_mm256_castsi256_si128(y3),
	    _mm256_extracti128_si256(y3, 1), k1);
	return crc_finish(x, p, len);
}
#endif

uint32_t
dm_crc32(uint32_t crc, const void *p, size_t len)
{
	uint32_t c;

	(void)pthread_once(&crc_once, crc_init);
	c = ~crc;
#ifdef DM_CRC_CLMUL
	if (crc_impl == CRC_VCLMUL && len >= DM_CRC_VCLMUL_MIN)
		return ~crc_vclmul(c, p, len);
	if (crc_impl != CRC_TABLES && len >= DM_CRC_CLMUL_MIN)
		return ~crc_clmul(c, p, len);
#endif
	return ~crc_slice8(c, p, len);
}

uint32_t
dm_crc32_portable(uint32_t crc, const void *p, size_t len)
{
	(void)pthread_once(&crc_once, crc_init);
	return ~crc_slice8(~crc, p, len);
}

int
dm_crc32_accelerated(void)
{
	(void)pthread_once(&crc_once, crc_init);
	return crc_impl != CRC_TABLES;
}
