/*
 * weights.c - the .weights header and file probing.
 *
 * A Darknet .weights file is a header followed by raw little-endian
 * float32 arrays, with nothing between them:
 *
 *	offset	size	field
 *	0	int32	major
 *	4	int32	minor
 *	8	int32	revision
 *	12	4 or 8	seen (images seen in training)
 *	16/20	...	the arrays of every layer, in layer order
 *
 * Both forks read an 8-byte `seen' when major*10+minor >= 2; pjreddie
 * also requires major < 1000 and minor < 1000.  A major or minor above 1000
 * flags connected weights stored transposed.  AlexeyAB writes 0.2.5 and an
 * 8-byte seen; pjreddie writes 0.2.0 and sizeof(size_t) bytes, so a 32-bit
 * build wrote a 16-byte header that says 0.2.  A file of yolov3-tiny as
 * AlexeyAB writes it starts:
 *
 *	00 00 00 00  02 00 00 00  05 00 00 00  00 00 00 00 00 00 00 00
 *	major 0      minor 2      revision 5   seen 0 (uint64)
 *
 * Nothing in the file says how long it should be: the only check is the
 * size the cfg implies, which dm_verdict_compute() makes.
 */
#include "config.h"

#include "weights.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endian.h"

unsigned
dm_header_other(unsigned size)
{
	return size == DM_HEADER_LONG ? DM_HEADER_SHORT : DM_HEADER_LONG;
}

unsigned
dm_header_size_for(int32_t major, int32_t minor, enum dm_dialect dialect)
{
	int64_t v = (int64_t)major * 10 + minor;

	if (v < 2)
		return DM_HEADER_SHORT;
	if (dialect == DM_DIALECT_PJ && (major >= 1000 || minor >= 1000))
		return DM_HEADER_SHORT;
	return DM_HEADER_LONG;
}

int
dm_header_decode(const uint8_t *buf, size_t len, enum dm_dialect dialect,
    struct dm_header *h)
{
	if (len < DM_HEADER_SHORT)
		return -1;
	memset(h, 0, sizeof *h);
	h->major = (int32_t)dm_le32dec(buf);
	h->minor = (int32_t)dm_le32dec(buf + 4);
	h->revision = (int32_t)dm_le32dec(buf + 8);
	h->size = dm_header_size_for(h->major, h->minor, dialect);
	h->transpose = h->major > 1000 || h->minor > 1000;
	if (h->size == DM_HEADER_LONG) {
		if (len < DM_HEADER_LONG)
			return -1;
		h->seen = dm_le64dec(buf + 12);
	} else
		h->seen = dm_le32dec(buf + 12);
	return 0;
}

static int
has_prefix(const uint8_t *buf, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(buf, p, n) == 0;
}

static int
has_prefix_nocase(const uint8_t *buf, size_t len, const char *p)
{
	size_t i, n = strlen(p);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower(buf[i]) != tolower((unsigned char)p[i]))
			return 0;
	return 1;
}

static int
mem_has(const uint8_t *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return 1;
	return 0;
}

static int
looks_text(const uint8_t *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
			continue;
		if (buf[i] < 0x20 || buf[i] == 0x7f)
			return 0;
	}
	return 1;
}

int
dm_weights_probe(const uint8_t *buf, size_t len, uint64_t size, char *what,
    size_t whatlen)
{
	const uint8_t *p;
	size_t skip;

	if (size == 0) {
		snprintf(what, whatlen, "the file is empty");
		return 0;
	}
	if (has_prefix(buf, len, "version https://git-lfs")) {
		const char *s = (const char *)buf;
		const char *sz = NULL;
		size_t i;

		for (i = 0; i + 5 < len; i++)
			if (memcmp(s + i, "\nsize ", 6) == 0) {
				sz = s + i + 6;
				break;
			}
		if (sz != NULL)
			snprintf(what, whatlen, "this is a Git LFS pointer "
			    "file, not the weights (the real file has %.*s "
			    "bytes): run 'git lfs pull' or download the file "
			    "itself", (int)strcspn(sz, "\r\n"), sz);
		else
			snprintf(what, whatlen, "this is a Git LFS pointer "
			    "file, not the weights: run 'git lfs pull'");
		return 0;
	}
	for (skip = 0; skip < len && isspace(buf[skip]); skip++)
		;
	p = buf + skip;
	if (has_prefix_nocase(p, len - skip, "<!doctype html") ||
	    has_prefix_nocase(p, len - skip, "<html") ||
	    has_prefix_nocase(p, len - skip, "<head") ||
	    (has_prefix_nocase(p, len - skip, "<?xml") &&
	    mem_has(buf, len, "<html"))) {
		snprintf(what, whatlen, "this is an HTML page, not weights: "
		    "the download probably saved an error or login page "
		    "(%" PRIu64 " bytes)", size);
		return 0;
	}
	if (has_prefix(buf, len, "PK\003\004") ||
	    has_prefix(buf, len, "PK\005\006")) {
		if (mem_has(buf, len, "data.pkl"))
			snprintf(what, whatlen, "this is a PyTorch checkpoint "
			    "(a zip archive with data.pkl), not Darknet "
			    "weights");
		else
			snprintf(what, whatlen, "this is a zip archive, not "
			    "Darknet weights: unpack it first");
		return 0;
	}
	if (len >= 2 && buf[0] == 0x80 && buf[1] >= 2 && buf[1] <= 5) {
		snprintf(what, whatlen, "this is a Python pickle (perhaps an "
		    "old-style PyTorch .pt/.pth), not Darknet weights");
		return 0;
	}
	if (has_prefix(buf, len, "\211HDF\r\n\032\n")) {
		snprintf(what, whatlen, "this is an HDF5 file (perhaps Keras "
		    ".h5 weights), not Darknet weights");
		return 0;
	}
	if (has_prefix(buf, len, "\223NUMPY")) {
		snprintf(what, whatlen, "this is a NumPy .npy file, not "
		    "Darknet weights");
		return 0;
	}
	{
		static const struct {
			const char	*magic;
			size_t		 len;
			const char	*what;
		} kinds[] = {
			{ "\211PNG\r\n\032\n", 8, "a PNG image" },
			{ "\377\330\377", 3, "a JPEG image" },
			{ "GIF8", 4, "a GIF image" },
			{ "%PDF", 4, "a PDF document" },
			{ "\177ELF", 4, "an executable (ELF)" },
		};
		size_t k;

		for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			if (len < kinds[k].len ||
			    memcmp(buf, kinds[k].magic, kinds[k].len) != 0)
				continue;
			snprintf(what, whatlen, "this is %s, not Darknet "
			    "weights", kinds[k].what);
			return 0;
		}
	}
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		snprintf(what, whatlen, "this is a gzip-compressed file: "
		    "decompress it first");
		return 0;
	}
	if (len >= 262 && memcmp(buf + 257, "ustar", 5) == 0) {
		snprintf(what, whatlen, "this is a tar archive: unpack it "
		    "first");
		return 0;
	}
	if (len >= 9 && buf[8] == '{') {
		uint64_t n = dm_le64dec(buf);

		if (n > 1 && n < size && mem_has(buf, len, "\"dtype\"")) {
			snprintf(what, whatlen, "this is a safetensors file, "
			    "not Darknet weights");
			return 0;
		}
	}
	if (looks_text(buf, len < 512 ? len : 512)) {
		if (mem_has(buf, len, "[net]") || mem_has(buf, len, "[network]"))
			snprintf(what, whatlen, "this is a Darknet cfg file, "
			    "not weights: give the cfg first and the weights "
			    "second");
		else
			snprintf(what, whatlen, "this is a text file, not "
			    "Darknet weights");
		return 0;
	}
	if (size < DM_HEADER_SHORT) {
		snprintf(what, whatlen, "the file has %" PRIu64 " bytes, fewer "
		    "than the %d of the smallest weights header", size,
		    DM_HEADER_SHORT);
		return 0;
	}
	what[0] = '\0';
	return 1;
}

int
dm_weights_head_like(const struct dm_weights *w)
{
	static const int32_t most[3] = { 2000, 2000, 100000 };
	char what[256];
	int32_t v;
	size_t i;

	/* The probe, as if the file were long enough for a header. */
	if (w->headlen < 4 || memchr(w->head, 0, w->headlen) == NULL ||
	    !dm_weights_probe(w->head, w->headlen, w->size > DM_HEADER_LONG ?
	    w->size : DM_HEADER_LONG, what, sizeof what))
		return 0;
	for (i = 0; i < 3 && 4 * i + 4 <= w->headlen; i++) {
		v = (int32_t)dm_le32dec(w->head + 4 * i);
		if (v < 0 || v > most[i])
			return 0;
	}
	return 1;
}

struct dm_weights *
dm_weights_open(const char *path, enum dm_dialect dialect,
    struct dm_error *err)
{
	struct dm_weights *w;
	struct stat st;
	ssize_t n;

	if ((w = calloc(1, sizeof *w)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	w->fd = -1;
	if ((w->path = strdup(path)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((w->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		dm_error_file(err, DM_ERR_IO, path, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(w->fd, &st) == -1) {
		dm_error_file(err, DM_ERR_IO, path, "%s", strerror(errno));
		goto fail;
	}
	if (dm_error_not_regular(err, path, st.st_mode) == -1)
		goto fail;
	w->size = (uint64_t)st.st_size;
	n = pread(w->fd, w->head, sizeof w->head, 0);
	if (n < 0) {
		dm_error_file(err, DM_ERR_IO, path, "%s", strerror(errno));
		goto fail;
	}
	w->headlen = (size_t)n;
	w->is_weights = dm_weights_probe(w->head, w->headlen, w->size, w->what,
	    sizeof w->what);
	if (dm_header_decode(w->head, w->headlen, dialect, &w->hdr) == 0)
		w->has_header = 1;
	return w;
fail:
	dm_weights_close(w);
	return NULL;
}

void
dm_weights_close(struct dm_weights *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	free(w->path);
	free(w);
}

int
dm_weights_pread(struct dm_weights *w, void *buf, size_t len, uint64_t off,
    struct dm_error *err)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(w->fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			dm_error_file(err, DM_ERR_IO, w->path, "offset %"
			    PRIu64 ": %s", off, strerror(errno));
			return dm_error_at_offset(err, NULL, off);
		}
		if (n == 0) {
			dm_error_file(err, DM_ERR_IO, w->path,
			    "unexpected end of file at offset %" PRIu64, off);
			return dm_error_at_offset(err, NULL, off);
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}
