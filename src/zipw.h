/*
 * zipw.h - a streaming writer of stored (uncompressed) zip archives.
 *
 * Entries are written one after the other into an atomic file (see
 * atomicfile.h), each as a local header, an optional alignment field and
 * the data, whose size must be known when the entry is begun; the CRC-32
 * is computed on the way and written into the local header once the data
 * is complete.  dm_zipw_finish() writes the central directory and the end
 * records.  Zip64 fields and records are written where a size, an offset
 * or the number of entries needs them.
 *
 * Layout of an entry whose local header is at offset H:
 *
 *	H	local header, 30 bytes: version needed 10 (45 with zip64),
 *		flags 0 (0x800 for a non-ASCII UTF-8 name), method 0, the
 *		fixed time 2020-01-01 12:00, CRC-32, both sizes
 *	H + 30	the name
 *		a zip64 field (id 1, both sizes), iff size >= 0xffffffff
 *		with alignment: an "FB" field (id 0x4246) of zero bytes, as
 *		torch.save() writes it, so that the data starts at a
 *		multiple of the alignment
 *		the data
 *
 * No data descriptors are written; the central directory repeats the
 * local header's fields, with no extra field but zip64 where needed.
 */
#ifndef DM_ZIPW_H
#define DM_ZIPW_H

#include <stddef.h>
#include <stdint.h>

#include "atomicfile.h"
#include "error.h"

/* The "FB" extra field id of the alignment padding. */
#define DM_ZIPW_FB_ID		0x4246

struct dm_zipw_entry {
	char		*name;
	size_t		 namelen;
	uint64_t	 size;
	uint64_t	 hdr_off;	/* the local header */
	uint64_t	 data_off;	/* the first byte of data */
	uint32_t	 crc;
	uint16_t	 flags;		/* general purpose bit flags */
	uint16_t	 pad;		/* bytes of the FB field's payload */
};

struct dm_zipw {
	struct dm_atomicfile *af;
	unsigned int	 align;		/* 0, or a power of two up to 4096 */
	uint64_t	 start;		/* where the archive begins in af */
	struct dm_zipw_entry *ent;
	size_t		 nent;
	size_t		 capent;
	int		 open;		/* an entry is being written */
	uint64_t	 left;		/* its bytes still to come */
};

/*
 * Starts an archive at the current position of af, which stays open and
 * owned by the caller.  With align not 0, every entry's data starts at a
 * multiple of align bytes.
 */
int		 dm_zipw_init(struct dm_zipw *z, struct dm_atomicfile *af,
		     unsigned int align, struct dm_error *err);

/*
 * Frees what z holds; af is left alone.  Needed after dm_zipw_init()
 * whatever happened since, failures included.
 */
void		 dm_zipw_free(struct dm_zipw *z);

/*
 * Where the data of an entry named namelen bytes long, of size bytes,
 * would start if begun at offset off; -1 when that would pass INT64_MAX.
 */
int		 dm_zipw_data_offset(const struct dm_zipw *z, uint64_t off,
		     size_t namelen, uint64_t size, uint64_t *data_off);

/*
 * At most how many bytes an entry with a name namelen bytes long adds to
 * the archive besides its data (headers, fields and padding), and how
 * many the end records add.
 */
uint64_t	 dm_zipw_entry_overhead(const struct dm_zipw *z,
		     size_t namelen);
#define DM_ZIPW_END_MAX		(56 + 20 + 22)

/* Writes the local header of a new entry of size bytes. */
int		 dm_zipw_begin(struct dm_zipw *z, const char *name,
		     uint64_t size, struct dm_error *err);

/* Appends len bytes to the data of the entry begun. */
int		 dm_zipw_data(struct dm_zipw *z, const void *p, size_t len,
		     struct dm_error *err);

/* Ends the entry, which must have had all its bytes: stores its CRC. */
int		 dm_zipw_end(struct dm_zipw *z, struct dm_error *err);

/* Writes the central directory and the end records. */
int		 dm_zipw_finish(struct dm_zipw *z, struct dm_error *err);

#endif /* DM_ZIPW_H */
