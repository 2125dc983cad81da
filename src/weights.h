/*
 * weights.h - the .weights file: its header, and what it looks like when
 * it is not a weights file at all (its verdict against a cfg: verdict.h).
 *
 * struct dm_weights owns its path copy and file descriptor; close it with
 * dm_weights_close().  Only the first bytes are read when it is opened:
 * the rest is read on demand, so opening is instant whatever the size.
 */
#ifndef DM_WEIGHTS_H
#define DM_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "error.h"

#define DM_HEAD_MAX 4096

/*
 * The two sizes of a header: major, minor and revision, then `seen' in 4
 * bytes (DM_HEADER_SHORT) or in 8 (DM_HEADER_LONG, what Darknet writes
 * since 0.2).
 */
#define DM_HEADER_SHORT	16
#define DM_HEADER_LONG	20

struct dm_header {
	int32_t		 major, minor, revision;
	uint64_t	 seen;
	unsigned	 size;		/* DM_HEADER_SHORT or _LONG bytes */
	int		 transpose;	/* major or minor above 1000 */
};

struct dm_weights {
	char		*path;
	int		 fd;
	uint64_t	 size;
	uint8_t		 head[DM_HEAD_MAX];
	size_t		 headlen;
	int		 is_weights;	/* plausibly a Darknet weights file */
	char		 what[256];	/* what it looks like otherwise */
	struct dm_header hdr;		/* valid when size >= hdr.size */
	int		 has_header;
};

/*
 * Decodes the header at buf (len bytes, at least 16) by the dialect's rule
 * for the width of `seen' (spec 5): AlexeyAB reads 8 bytes when
 * major*10+minor >= 2; pjreddie also needs major and minor below 1000.
 * Returns -1 when len is too short for the header the rule asks for.
 */
int		 dm_header_decode(const uint8_t *buf, size_t len,
		     enum dm_dialect dialect, struct dm_header *h);

/* The header size that size is not: 16 for 20, 20 for 16. */
unsigned	 dm_header_other(unsigned size);

/* The header size the dialect's rule gives for these version numbers. */
unsigned	 dm_header_size_for(int32_t major, int32_t minor,
		     enum dm_dialect dialect);

/*
 * Looks at the first bytes of a file of total size `size' and says whether
 * it can be a weights file; if not, writes a plain sentence to what.
 */
int		 dm_weights_probe(const uint8_t *buf, size_t len, uint64_t size,
		     char *what, size_t whatlen);

/*
 * Whether w begins as Darknet writes a weights header: binary (a NUL among
 * its first bytes), of no other kind the probe knows, and each of major,
 * minor and revision that its bytes hold (major at least) small and not
 * negative; text in UTF-16 passes the probe, but its "version" is not
 * small.  The header may be cut short: w->has_header says whether it is
 * whole.
 */
int		 dm_weights_head_like(const struct dm_weights *w);

/* Opens a weights file (never modified); NULL with err set. */
struct dm_weights *dm_weights_open(const char *path, enum dm_dialect dialect,
		     struct dm_error *err);

void		 dm_weights_close(struct dm_weights *w);

/* Reads len bytes at offset off; -1 with err set on short read. */
int		 dm_weights_pread(struct dm_weights *w, void *buf, size_t len,
		     uint64_t off, struct dm_error *err);

#endif /* DM_WEIGHTS_H */
