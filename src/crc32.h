/*
 * crc32.h - the CRC-32 of zip archives (ISO-HDLC, polynomial 0x04c11db7,
 * reflected, initial value and final XOR 0xffffffff), as zlib's crc32().
 *
 * On x86-64 processors with the carry-less multiply instruction the bulk
 * of the data is folded 64 bytes at a time with PCLMULQDQ (128 bytes at a
 * time with VPCLMULQDQ where there is one); elsewhere a slicing-by-8 table
 * loop is used.  All give the same values.
 */
#ifndef DM_CRC32_H
#define DM_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the CRC-32 of the len bytes at p appended to data whose CRC-32
 * is crc: start with crc = 0, then pass each result to the next call.
 */
uint32_t	 dm_crc32(uint32_t crc, const void *p, size_t len);

/* The same, always with the portable table loop (for tests). */
uint32_t	 dm_crc32_portable(uint32_t crc, const void *p, size_t len);

/* Whether dm_crc32() uses the carry-less multiply code. */
int		 dm_crc32_accelerated(void);

#endif /* DM_CRC32_H */
