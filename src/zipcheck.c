/*
 * zipcheck.c - reads back the archive just written, from the file, as a
 * zip reader finds it, and compares it with what was meant.
 *
 * The reader starts where any reader starts, at the end record, follows
 * the zip64 locator when the record says so, reads the central directory
 * and then every local header, decoding each field from the bytes on
 * file (PKWARE's APPNOTE) rather than from the writer's records.  Only
 * after that are the values compared with the entries: names, sizes,
 * CRC-32, offsets, the data's start and alignment, that no entry's data
 * runs into the next header, and that the file ends where the archive
 * does.  No entry data is read; --verify has
 * libzip read the whole archive for that (see zipout.c).
 */
#include "config.h"

#include "zipcheck.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"

#define ZC_LOCAL_SIG		0x04034b50u
#define ZC_CENTRAL_SIG		0x02014b50u
#define ZC_END_SIG		0x06054b50u
#define ZC_END64_SIG		0x06064b50u
#define ZC_LOC64_SIG		0x07064b50u

#define ZC_LOCAL_LEN		30
#define ZC_CENTRAL_LEN		46
#define ZC_END_LEN		22
#define ZC_END64_LEN		56
#define ZC_LOC64_LEN		20

#define ZC_MAX32		0xffffffffu
#define ZC_MAX16		0xffffu

/* One entry as the file tells it. */
struct zc_entry {
	const unsigned char *name;
	size_t		 namelen;
	uint16_t	 flags;
	uint16_t	 method;
	uint32_t	 crc;
	uint64_t	 csize;
	uint64_t	 usize;
	uint64_t	 off;		/* the local header (central only) */
	uint64_t	 data;		/* the data's start (local only) */
	unsigned int	 version;	/* version needed to extract */
	int		 z64;		/* zip64 extra fields */
	int		 fb;		/* "FB" fields (local only) */
};

static int	 zc_bad(const struct dm_zipw *, uint64_t, struct dm_error *,
		     const char *, ...) __attribute__((format(printf, 4, 5)));

static int
zc_bad(const struct dm_zipw *z, uint64_t off, struct dm_error *err,
    const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	dm_error_file(err, DM_ERR_IO, z->af->path, "the archive "
	    "written does not read back as meant: %s (byte %llu)", what,
	    (unsigned long long)off);
	return dm_error_at_offset(err, NULL, off);
}

/*
 * Walks the extra fields x[0..len): the zip64 field's values replace the
 * 32-bit ones that hold 0xffffffff, in APPNOTE's order (a local header's
 * has both sizes); FB fields are counted.  Returns 0, or -1 when the
 * fields do not parse, or when the zip64 field is missing where a value
 * says 0xffffffff, there where none does, repeated or of another length.
 */
static int
zc_extra(const unsigned char *x, size_t len, struct zc_entry *e, int local)
{
	const int sizes = e->usize == ZC_MAX32 || e->csize == ZC_MAX32;
	const int want = sizes || (!local && e->off == ZC_MAX32);
	size_t pos, flen, need;
	unsigned int id;
	const unsigned char *v;

	for (pos = 0; pos < len; pos += 4 + flen) {
		if (len - pos < 4)
			return -1;
		id = dm_le16dec(x + pos);
		flen = dm_le16dec(x + pos + 2);
		if (flen > len - pos - 4)
			return -1;
		if (id == DM_ZIPW_FB_ID) {
			e->fb++;
			continue;
		}
		if (id != 0x0001)
			continue;
		if (e->z64++ > 0 || !want)
			return -1;
		need = (local || e->usize == ZC_MAX32 ? 8 : 0) +
		    (local || e->csize == ZC_MAX32 ? 8 : 0) +
		    (!local && e->off == ZC_MAX32 ? 8 : 0);
		if (flen != need)
			return -1;
		v = x + pos + 4;
		if (local || e->usize == ZC_MAX32) {
			e->usize = dm_le64dec(v);
			v += 8;
		}
		if (local || e->csize == ZC_MAX32) {
			e->csize = dm_le64dec(v);
			v += 8;
		}
		if (!local && e->off == ZC_MAX32)
			e->off = dm_le64dec(v);
	}
	return want && e->z64 == 0 ? -1 : 0;
}

/*
 * The fields a local and a central header share, in the same order from
 * "version needed to extract" at p on; returns the extra fields' length.
 */
static size_t
zc_fields(const unsigned char *p, struct zc_entry *f)
{
	memset(f, 0, sizeof *f);
	f->version = dm_le16dec(p);
	f->flags = (uint16_t)dm_le16dec(p + 2);
	f->method = (uint16_t)dm_le16dec(p + 4);
	f->crc = dm_le32dec(p + 10);
	f->csize = dm_le32dec(p + 14);
	f->usize = dm_le32dec(p + 18);
	f->namelen = dm_le16dec(p + 22);
	return dm_le16dec(p + 24);
}

/* Whether the file's entry f says what entry w was meant to be. */
static const char *
zc_differs(const struct zc_entry *f, const struct dm_zipw_entry *w)
{
	if (f->namelen != w->namelen ||
	    memcmp(f->name, w->name, w->namelen) != 0)
		return "another name";
	if (f->method != 0)
		return "a compression method";
	if (f->version != (f->z64 ? 45 : 10))
		return "another version needed to extract";
	if (f->flags != w->flags)
		return "other flags";
	if (f->usize != w->size || f->csize != w->size)
		return "another size";
	if (f->crc != w->crc)
		return "another CRC-32";
	return NULL;
}

/*
 * The end records: where the central directory is, its size and how many
 * entries it has.
 */
static int
zc_end(const struct dm_zipw *z, uint64_t start, uint64_t end,
    uint64_t *cd_off, uint64_t *cd_size, uint64_t *count,
    struct dm_error *err)
{
	unsigned char e[ZC_END_LEN], l[ZC_LOC64_LEN], r[ZC_END64_LEN];
	uint64_t at, dir_end, e64, n16, size32, off32;

	if (end - start < ZC_END_LEN)
		return zc_bad(z, end, err, "no end record");
	at = end - ZC_END_LEN;
	if (dm_atomicfile_pread(z->af, e, sizeof e, at, err) == -1)
		return -1;
	if (dm_le32dec(e) != ZC_END_SIG)
		return zc_bad(z, at, err, "no end record");
	if (dm_le16dec(e + 4) != 0 || dm_le16dec(e + 6) != 0 ||
	    dm_le16dec(e + 8) != dm_le16dec(e + 10) || dm_le16dec(e + 20) != 0)
		return zc_bad(z, at, err, "a split archive or a comment");
	*count = dm_le16dec(e + 10);
	*cd_size = dm_le32dec(e + 12);
	*cd_off = dm_le32dec(e + 16);
	dir_end = at;
	if (*count == ZC_MAX16 || *cd_size == ZC_MAX32 ||
	    *cd_off == ZC_MAX32) {
		if (at - start < ZC_LOC64_LEN + ZC_END64_LEN)
			return zc_bad(z, at, err, "no zip64 end locator");
		at -= ZC_LOC64_LEN;
		if (dm_atomicfile_pread(z->af, l, sizeof l, at, err) == -1)
			return -1;
		if (dm_le32dec(l) != ZC_LOC64_SIG || dm_le32dec(l + 4) != 0 ||
		    dm_le32dec(l + 16) != 1)
			return zc_bad(z, at, err, "no zip64 end locator");
		e64 = dm_le64dec(l + 8);
		if (e64 != at - ZC_END64_LEN)
			return zc_bad(z, at, err,
			    "the zip64 end record is not where it is said to be");
		if (dm_atomicfile_pread(z->af, r, sizeof r, e64, err) == -1)
			return -1;
		if (dm_le32dec(r) != ZC_END64_SIG ||
		    dm_le64dec(r + 4) != ZC_END64_LEN - 12 ||
		    dm_le32dec(r + 16) != 0 || dm_le32dec(r + 20) != 0 ||
		    dm_le64dec(r + 24) != dm_le64dec(r + 32))
			return zc_bad(z, e64, err, "a bad zip64 end record");
		n16 = *count;
		size32 = *cd_size;
		off32 = *cd_off;
		*count = dm_le64dec(r + 32);
		*cd_size = dm_le64dec(r + 40);
		*cd_off = dm_le64dec(r + 48);
		/* What fits the end record must be there as well. */
		if ((n16 != ZC_MAX16 && n16 != *count) ||
		    (size32 != ZC_MAX32 && size32 != *cd_size) ||
		    (off32 != ZC_MAX32 && off32 != *cd_off))
			return zc_bad(z, end - ZC_END_LEN, err, "the end record "
			    "disagrees with the zip64 end record");
		dir_end = e64;
	}
	if (*cd_off < start || *cd_off > dir_end ||
	    *cd_size != dir_end - *cd_off)
		return zc_bad(z, dir_end, err,
		    "the central directory is not where it is said to be");
	if (*count != z->nent)
		return zc_bad(z, dir_end, err, "%llu entries, not %zu",
		    (unsigned long long)*count, z->nent);
	return 0;
}

/* Reads central directory header k at cd[*pos] and moves past it. */
static int
zc_central(const struct dm_zipw *z, const unsigned char *cd, size_t len,
    size_t *pos, uint64_t cd_off, size_t k, struct dm_error *err)
{
	const unsigned char *h = cd + *pos;
	const uint64_t at = cd_off + *pos;
	struct zc_entry f;
	size_t xlen, clen;
	const char *why;

	if (len - *pos < ZC_CENTRAL_LEN || dm_le32dec(h) != ZC_CENTRAL_SIG)
		return zc_bad(z, at, err, "no central header for entry %s",
		    z->ent[k].name);
	xlen = zc_fields(h + 6, &f);
	clen = dm_le16dec(h + 32);
	f.off = dm_le32dec(h + 42);
	if (len - *pos - ZC_CENTRAL_LEN < f.namelen + xlen + clen ||
	    dm_le16dec(h + 34) != 0)
		return zc_bad(z, at, err, "a bad central header for entry %s",
		    z->ent[k].name);
	f.name = h + ZC_CENTRAL_LEN;
	if (zc_extra(f.name + f.namelen, xlen, &f, 0) == -1)
		return zc_bad(z, at, err, "bad extra fields for entry %s",
		    z->ent[k].name);
	if ((why = zc_differs(&f, &z->ent[k])) != NULL)
		return zc_bad(z, at, err, "central header of entry %s has %s",
		    z->ent[k].name, why);
	if (f.off != z->ent[k].hdr_off)
		return zc_bad(z, at, err,
		    "central header of entry %s points elsewhere",
		    z->ent[k].name);
	*pos += ZC_CENTRAL_LEN + f.namelen + xlen + clen;
	return 0;
}

/*
 * Reads the local header of entry k into buf (room for len bytes: what
 * lies between the header and the data meant) and checks it.  limit is
 * where the next header or the directory starts.
 */
static int
zc_local(const struct dm_zipw *z, size_t k, unsigned char *buf, size_t len,
    uint64_t limit, struct dm_error *err)
{
	const struct dm_zipw_entry *w = &z->ent[k];
	struct zc_entry f;
	size_t xlen;
	const char *why;

	if (len < ZC_LOCAL_LEN || w->hdr_off > limit ||
	    limit - w->hdr_off < len)
		return zc_bad(z, w->hdr_off, err,
		    "no room for the local header of entry %s", w->name);
	if (dm_atomicfile_pread(z->af, buf, len, w->hdr_off, err) == -1)
		return -1;
	if (dm_le32dec(buf) != ZC_LOCAL_SIG)
		return zc_bad(z, w->hdr_off, err,
		    "no local header for entry %s", w->name);
	xlen = zc_fields(buf + 4, &f);
	f.data = w->hdr_off + ZC_LOCAL_LEN + f.namelen + xlen;
	if (f.data != w->data_off || ZC_LOCAL_LEN + f.namelen + xlen != len)
		return zc_bad(z, w->hdr_off, err,
		    "the data of entry %s does not start where meant",
		    w->name);
	f.name = buf + ZC_LOCAL_LEN;
	if (zc_extra(f.name + f.namelen, xlen, &f, 1) == -1)
		return zc_bad(z, w->hdr_off, err,
		    "bad extra fields for entry %s", w->name);
	if ((why = zc_differs(&f, w)) != NULL)
		return zc_bad(z, w->hdr_off, err,
		    "local header of entry %s has %s", w->name, why);
	if (f.fb != (z->align != 0) ||
	    (z->align != 0 && f.data % z->align != 0))
		return zc_bad(z, w->hdr_off, err,
		    "the data of entry %s is not aligned", w->name);
	if (w->size > limit - f.data)
		return zc_bad(z, f.data, err,
		    "the data of entry %s runs into what follows", w->name);
	return 0;
}

int
dm_zipcheck(const struct dm_zipw *z, struct dm_error *err)
{
	const uint64_t start = z->start;
	uint64_t end, cd_off = 0, cd_size = 0, count = 0, limit;
	unsigned char *cd, *buf;
	struct stat st;
	size_t k, pos, len, most;
	int rc = -1;

	if (z->open)
		return dm_error_file(err, DM_ERR_INVALID, z->af->path,
		    "zip entry %s is not finished", z->ent[z->nent - 1].name);
	end = z->af->pos;
	if (dm_atomicfile_flush(z->af, err) == -1)
		return -1;
	if (fstat(z->af->fd, &st) == -1)
		return dm_error_file(err, DM_ERR_IO, z->af->path, "cannot "
		    "read back: %s", strerror(errno));
	if ((uint64_t)st.st_size != end || end < start)
		return zc_bad(z, end, err, "the file holds %llu bytes",
		    (unsigned long long)st.st_size);
	if (zc_end(z, start, end, &cd_off, &cd_size, &count, err) == -1)
		return -1;
	if (cd_size > SIZE_MAX)
		return zc_bad(z, cd_off, err, "a huge central directory");
	most = 0;
	for (k = 0; k < z->nent; k++) {
		if (z->ent[k].data_off < z->ent[k].hdr_off ||
		    z->ent[k].data_off - z->ent[k].hdr_off > 0x30000)
			return zc_bad(z, z->ent[k].hdr_off, err,
			    "entry %s has a bad header length",
			    z->ent[k].name);
		len = (size_t)(z->ent[k].data_off - z->ent[k].hdr_off);
		if (len > most)
			most = len;
	}
	cd = malloc(cd_size > 0 ? (size_t)cd_size : 1);
	buf = malloc(most > 0 ? most : 1);
	if (cd == NULL || buf == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (dm_atomicfile_pread(z->af, cd, (size_t)cd_size, cd_off, err) ==
	    -1)
		goto out;
	pos = 0;
	for (k = 0; k < z->nent; k++) {
		if (zc_central(z, cd, (size_t)cd_size, &pos, cd_off, k,
		    err) == -1)
			goto out;
		if ((k == 0 && z->ent[k].hdr_off != start) ||
		    (k > 0 && z->ent[k].hdr_off < z->ent[k - 1].data_off)) {
			zc_bad(z, z->ent[k].hdr_off, err,
			    "entry %s is out of order", z->ent[k].name);
			goto out;
		}
		limit = k + 1 < z->nent ? z->ent[k + 1].hdr_off : cd_off;
		len = (size_t)(z->ent[k].data_off - z->ent[k].hdr_off);
		if (zc_local(z, k, buf, len, limit, err) == -1)
			goto out;
	}
	if (pos != cd_size) {
		zc_bad(z, cd_off + pos, err,
		    "the central directory has more than its entries");
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(cd);
	return rc;
}
