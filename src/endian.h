/*
 * endian.h - explicit little-endian decoding and encoding.
 *
 * Darknet writes host-order integers and floats; every known file comes from
 * a little-endian machine, so darkmap decodes bytes as little-endian whatever
 * the host is, through unsigned temporaries, never by casting a pointer.
 */
#ifndef DM_ENDIAN_H
#define DM_ENDIAN_H

#include <stdint.h>
#include <string.h>

static inline unsigned int
dm_le16dec(const void *pp)
{
	const uint8_t *p = pp;

	return (unsigned int)p[0] | (unsigned int)p[1] << 8;
}

static inline uint32_t
dm_le32dec(const void *pp)
{
	const uint8_t *p = pp;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
dm_le64dec(const void *pp)
{
	const uint8_t *p = pp;

	return (uint64_t)dm_le32dec(p) | (uint64_t)dm_le32dec(p + 4) << 32;
}

static inline float
dm_lef32dec(const void *pp)
{
	uint32_t u = dm_le32dec(pp);
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

static inline void
dm_le16enc(void *pp, unsigned int u)
{
	uint8_t *p = pp;

	p[0] = u & 0xff;
	p[1] = (u >> 8) & 0xff;
}

static inline void
dm_le32enc(void *pp, uint32_t u)
{
	uint8_t *p = pp;

	p[0] = u & 0xff;
	p[1] = (u >> 8) & 0xff;
	p[2] = (u >> 16) & 0xff;
	p[3] = (u >> 24) & 0xff;
}

static inline void
dm_le64enc(void *pp, uint64_t u)
{
	uint8_t *p = pp;

	dm_le32enc(p, (uint32_t)(u & 0xffffffffu));
	dm_le32enc(p + 4, (uint32_t)(u >> 32));
}

static inline void
dm_lef32enc(void *pp, float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	dm_le32enc(pp, u);
}

#endif /* DM_ENDIAN_H */
