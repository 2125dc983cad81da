/*
 * zipw.c - a streaming writer of stored zip archives.
 *
 * Only what a stored archive of known entry sizes needs is written, after
 * PKWARE's APPNOTE: local headers, central directory headers, zip64 extra
 * fields (in a local header both sizes; in the central directory only the
 * fields whose 32-bit slot holds 0xffffffff, in the order uncompressed
 * size, compressed size, local header offset), the zip64 end of central
 * directory record and its locator when a count, size or offset of the
 * directory does not fit the classic end record, and the end record.
 *
 * Everything goes through the atomic file's buffer, so the many small
 * pieces (headers, names, padding, small entries) reach the file in large
 * writes, and large data passes straight through.  The CRC-32 of each
 * entry is computed on the data as it is handed over and stored in the
 * local header at dm_zipw_end(): still in the buffer for small entries,
 * one 4-byte write back for large ones.
 */
#include "config.h"

#include "zipw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "endian.h"
#include "grow.h"

#define ZIPW_LOCAL_SIG		0x04034b50u
#define ZIPW_CENTRAL_SIG	0x02014b50u
#define ZIPW_END_SIG		0x06054b50u
#define ZIPW_END64_SIG		0x06064b50u
#define ZIPW_LOC64_SIG		0x07064b50u

#define ZIPW_LOCAL_LEN		30
#define ZIPW_CENTRAL_LEN	46
#define ZIPW_END_LEN		22
#define ZIPW_END64_LEN		56
#define ZIPW_LOC64_LEN		20
#define ZIPW_Z64_LOCAL		20	/* id, length, two 64-bit sizes */

#define ZIPW_MAX32		0xffffffffu
#define ZIPW_MAX16		0xffffu

#define ZIPW_VERSION		10	/* 1.0: stored entries */
#define ZIPW_VERSION64		45	/* 4.5: zip64 */
#define ZIPW_MADE_BY		0x033f	/* Unix, 6.3 */
#define ZIPW_UTF8		0x0800	/* the name is UTF-8 */
/* Every entry is a regular file, mode 0666. */
#define ZIPW_EXT_ATTR		0x81b60000u

/* 2020-01-01 12:00:00 in MS-DOS form, for reproducible archives. */
#define ZIPW_DOS_TIME		(12 << 11)
#define ZIPW_DOS_DATE		((2020 - 1980) << 9 | 1 << 5 | 1)

static uint32_t
clamp32(uint64_t v)
{
	return v >= ZIPW_MAX32 ? ZIPW_MAX32 : (uint32_t)v;
}

int
dm_zipw_init(struct dm_zipw *z, struct dm_atomicfile *af, unsigned int align,
    struct dm_error *err)
{
	memset(z, 0, sizeof *z);
	if (align > 4096 || (align & (align - 1)) != 0)
		return dm_error_file(err, DM_ERR_USAGE, af->path, "bad "
		    "alignment %u", align);
	z->af = af;
	z->align = align;
	z->start = af->pos;
	return 0;
}

void
dm_zipw_free(struct dm_zipw *z)
{
	size_t k;

	for (k = 0; k < z->nent; k++)
		free(z->ent[k].name);
	free(z->ent);
	z->ent = NULL;
	z->nent = z->capent = 0;
}

int
dm_zipw_data_offset(const struct dm_zipw *z, uint64_t off, size_t namelen,
    uint64_t size, uint64_t *data_off)
{
	uint64_t start, pad;

	start = ZIPW_LOCAL_LEN + (uint64_t)namelen +
	    (size >= ZIPW_MAX32 ? ZIPW_Z64_LOCAL : 0) +
	    (z->align != 0 ? 4 : 0);
	if (off > (uint64_t)INT64_MAX - start)
		return -1;
	start += off;
	pad = z->align != 0 ? (z->align - start % z->align) % z->align : 0;
	if (start > (uint64_t)INT64_MAX - pad ||
	    size > (uint64_t)INT64_MAX - start - pad)
		return -1;
	*data_off = start + pad;
	return 0;
}

uint64_t
dm_zipw_entry_overhead(const struct dm_zipw *z, size_t namelen)
{
	/* Local header with zip64 and FB fields, padding, central header. */
	return ZIPW_LOCAL_LEN + ZIPW_Z64_LOCAL + 4 +
	    (z->align != 0 ? z->align - 1 : 0) + ZIPW_CENTRAL_LEN + 4 + 3 * 8 +
	    2 * (uint64_t)namelen;
}

int
dm_zipw_begin(struct dm_zipw *z, const char *name, uint64_t size,
    struct dm_error *err)
{
	static const unsigned char zeros[4096];
	unsigned char h[ZIPW_LOCAL_LEN], x[ZIPW_Z64_LOCAL + 4];
	struct dm_zipw_entry *e;
	const char *path = z->af->path;
	uint64_t off, data;
	size_t namelen, xlen, k;
	int zip64;

	if (z->open)
		return dm_error_file(err, DM_ERR_INVALID, path, "%s: the "
		    "previous zip entry is not finished", name);
	namelen = strlen(name);
	if (namelen == 0 || namelen > ZIPW_MAX16)
		return dm_error_file(err, DM_ERR_INVALID, path, "bad zip "
		    "entry name length %zu", namelen);
	off = z->af->pos;
	if (dm_zipw_data_offset(z, off, namelen, size, &data) == -1)
		return dm_error_file(err, DM_ERR_RANGE, path, "%s: archive "
		    "too large", name);
	if (dm_grow(&z->ent, &z->capent, z->nent, sizeof *z->ent, 16,
	    err) == -1)
		return -1;
	e = &z->ent[z->nent];
	memset(e, 0, sizeof *e);
	if ((e->name = strdup(name)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	z->nent++;
	zip64 = size >= ZIPW_MAX32;
	e->namelen = namelen;
	e->size = size;
	e->hdr_off = off;
	e->data_off = data;
	for (k = 0; k < namelen; k++)
		if ((unsigned char)name[k] >= 0x80)
			e->flags = ZIPW_UTF8;

	/* The FB field's payload fills the gap up to the data. */
	xlen = zip64 ? ZIPW_Z64_LOCAL : 0;
	if (z->align != 0) {
		e->pad = (uint16_t)(data - (off + ZIPW_LOCAL_LEN + namelen +
		    xlen + 4));
		xlen += 4 + e->pad;
	}

	dm_le32enc(h, ZIPW_LOCAL_SIG);
	dm_le16enc(h + 4, zip64 ? ZIPW_VERSION64 : ZIPW_VERSION);
	dm_le16enc(h + 6, e->flags);
	dm_le16enc(h + 8, 0);			/* stored */
	dm_le16enc(h + 10, ZIPW_DOS_TIME);
	dm_le16enc(h + 12, ZIPW_DOS_DATE);
	dm_le32enc(h + 14, 0);			/* CRC-32, at the end */
	dm_le32enc(h + 18, clamp32(size));
	dm_le32enc(h + 22, clamp32(size));
	dm_le16enc(h + 26, (unsigned int)namelen);
	dm_le16enc(h + 28, (unsigned int)xlen);
	if (dm_atomicfile_write(z->af, h, sizeof h, err) == -1 ||
	    dm_atomicfile_write(z->af, name, namelen, err) == -1)
		return -1;
	k = 0;
	if (zip64) {
		dm_le16enc(x, 0x0001);
		dm_le16enc(x + 2, 16);
		dm_le64enc(x + 4, size);
		dm_le64enc(x + 12, size);
		k = ZIPW_Z64_LOCAL;
	}
	if (z->align != 0) {
		dm_le16enc(x + k, DM_ZIPW_FB_ID);
		dm_le16enc(x + k + 2, e->pad);
		k += 4;
	}
	if (dm_atomicfile_write(z->af, x, k, err) == -1 ||
	    dm_atomicfile_write(z->af, zeros, e->pad, err) == -1)
		return -1;
	if (z->af->pos != data)
		return dm_error_file(err, DM_ERR_INVALID, path, "%s: zip data "
		    "at byte %llu, not %llu", name,
		    (unsigned long long)z->af->pos, (unsigned long long)data);
	z->open = 1;
	z->left = size;
	return 0;
}

int
dm_zipw_data(struct dm_zipw *z, const void *p, size_t len,
    struct dm_error *err)
{
	struct dm_zipw_entry *e;

	if (!z->open || len > z->left)
		return dm_error_file(err, DM_ERR_INVALID, z->af->path,
		    "more zip entry data than announced");
	e = &z->ent[z->nent - 1];
	e->crc = dm_crc32(e->crc, p, len);
	if (dm_atomicfile_write(z->af, p, len, err) == -1)
		return -1;
	z->left -= len;
	return 0;
}

int
dm_zipw_end(struct dm_zipw *z, struct dm_error *err)
{
	struct dm_zipw_entry *e;
	unsigned char crc[4];

	if (!z->open || z->left != 0)
		return dm_error_file(err, DM_ERR_INVALID, z->af->path,
		    "zip entry %s is short of %llu bytes",
		    z->open ? z->ent[z->nent - 1].name : "(none)",
		    (unsigned long long)z->left);
	z->open = 0;
	e = &z->ent[z->nent - 1];
	if (e->crc == 0)
		return 0;
	dm_le32enc(crc, e->crc);
	return dm_atomicfile_pwrite(z->af, crc, sizeof crc, e->hdr_off + 14,
	    err);
}

/* The central directory header of e. */
static int
zipw_central(struct dm_zipw *z, const struct dm_zipw_entry *e,
    struct dm_error *err)
{
	unsigned char h[ZIPW_CENTRAL_LEN], x[4 + 3 * 8];
	size_t xlen;

	xlen = 0;
	if (e->size >= ZIPW_MAX32) {
		dm_le64enc(x + 4 + xlen, e->size);
		dm_le64enc(x + 4 + xlen + 8, e->size);
		xlen += 16;
	}
	if (e->hdr_off >= ZIPW_MAX32) {
		dm_le64enc(x + 4 + xlen, e->hdr_off);
		xlen += 8;
	}
	if (xlen > 0) {
		dm_le16enc(x, 0x0001);
		dm_le16enc(x + 2, (unsigned int)xlen);
		xlen += 4;
	}

	dm_le32enc(h, ZIPW_CENTRAL_SIG);
	dm_le16enc(h + 4, ZIPW_MADE_BY);
	dm_le16enc(h + 6, xlen > 0 ? ZIPW_VERSION64 : ZIPW_VERSION);
	dm_le16enc(h + 8, e->flags);
	dm_le16enc(h + 10, 0);			/* stored */
	dm_le16enc(h + 12, ZIPW_DOS_TIME);
	dm_le16enc(h + 14, ZIPW_DOS_DATE);
	dm_le32enc(h + 16, e->crc);
	dm_le32enc(h + 20, clamp32(e->size));
	dm_le32enc(h + 24, clamp32(e->size));
	dm_le16enc(h + 28, (unsigned int)e->namelen);
	dm_le16enc(h + 30, (unsigned int)xlen);
	dm_le16enc(h + 32, 0);			/* comment */
	dm_le16enc(h + 34, 0);			/* disk */
	dm_le16enc(h + 36, 0);			/* internal attributes */
	dm_le32enc(h + 38, ZIPW_EXT_ATTR);
	dm_le32enc(h + 42, clamp32(e->hdr_off));
	if (dm_atomicfile_write(z->af, h, sizeof h, err) == -1 ||
	    dm_atomicfile_write(z->af, e->name, e->namelen, err) == -1 ||
	    dm_atomicfile_write(z->af, x, xlen, err) == -1)
		return -1;
	return 0;
}

int
dm_zipw_finish(struct dm_zipw *z, struct dm_error *err)
{
	unsigned char end[ZIPW_END64_LEN + ZIPW_LOC64_LEN + ZIPW_END_LEN];
	unsigned char *p;
	uint64_t cd_off, cd_size, end64_off;
	unsigned int n16;
	size_t k;

	if (z->open)
		return dm_error_file(err, DM_ERR_INVALID, z->af->path,
		    "zip entry %s is not finished", z->ent[z->nent - 1].name);
	cd_off = z->af->pos;
	for (k = 0; k < z->nent; k++)
		if (zipw_central(z, &z->ent[k], err) == -1)
			return -1;
	cd_size = z->af->pos - cd_off;

	p = end;
	if (z->nent >= ZIPW_MAX16 || cd_off >= ZIPW_MAX32 ||
	    cd_size >= ZIPW_MAX32) {
		end64_off = z->af->pos;
		dm_le32enc(p, ZIPW_END64_SIG);
		dm_le64enc(p + 4, ZIPW_END64_LEN - 12);
		dm_le16enc(p + 12, ZIPW_MADE_BY);
		dm_le16enc(p + 14, ZIPW_VERSION64);
		dm_le32enc(p + 16, 0);		/* this disk */
		dm_le32enc(p + 20, 0);		/* the directory's disk */
		dm_le64enc(p + 24, z->nent);
		dm_le64enc(p + 32, z->nent);
		dm_le64enc(p + 40, cd_size);
		dm_le64enc(p + 48, cd_off);
		p += ZIPW_END64_LEN;
		dm_le32enc(p, ZIPW_LOC64_SIG);
		dm_le32enc(p + 4, 0);
		dm_le64enc(p + 8, end64_off);
		dm_le32enc(p + 16, 1);		/* disks */
		p += ZIPW_LOC64_LEN;
	}
	dm_le32enc(p, ZIPW_END_SIG);
	dm_le16enc(p + 4, 0);
	dm_le16enc(p + 6, 0);
	n16 = z->nent >= ZIPW_MAX16 ? ZIPW_MAX16 : (unsigned int)z->nent;
	dm_le16enc(p + 8, n16);			/* entries on this disk */
	dm_le16enc(p + 10, n16);			/* entries */
	dm_le32enc(p + 12, clamp32(cd_size));
	dm_le32enc(p + 16, clamp32(cd_off));
	dm_le16enc(p + 20, 0);			/* comment */
	p += ZIPW_END_LEN;
	return dm_atomicfile_write(z->af, end, (size_t)(p - end), err);
}
