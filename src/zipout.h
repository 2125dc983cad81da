/*
 * zipout.h - the zip container of .pt and .npz files (zipout.c), for
 * pt.c and npz.c (and the unit tests).
 */
#ifndef DM_ZIPOUT_H
#define DM_ZIPOUT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tensorout.h"

/*
 * A zip archive streamed into an atomic file (by zipw.c), whose entries
 * are all stored and, when align is not zero, have their data at a
 * multiple of align bytes thanks to an "FB" extra field in the local
 * header (the way torch.save() does it).  Entries are written as they are
 * added; at the end its headers are read back and checked against what
 * was written (dm_zipcheck()), and with opts->verify libzip reads it all
 * back, before it replaces the target.
 */
struct dm_zipout;

/*
 * Adds every entry of the archive for r, in order, with
 * dm_zipout_add_buffer() and dm_zipout_add_tensor(); arg is the writer's
 * own.  Returns 0, or -1 with err set.
 */
typedef int	(*dm_zipout_entries_fn)(struct dm_zipout *z,
		    const struct dm_tensorout_req *r, void *arg,
		    struct dm_error *err);

/*
 * Writes the zip archive that entries() makes to r->path, reading the
 * tensors' data from fill: the fill stream is set up, the archive opened,
 * entries() called, and the archive closed, or given up when anything
 * fails, which leaves the target as it was.  Returns 0, or -1 with err
 * set.
 */
int		 dm_zipout_write(const struct dm_tensorout_req *r,
		     unsigned int align, dm_tensor_fill_fn fill, void *ctx,
		     const struct dm_tensorout_opts *opts,
		     dm_zipout_entries_fn entries, void *arg,
		     struct dm_error *err);

/*
 * Announces the archive's size (see dm_atomicfile_reserve()): nent
 * entries whose names are at most namelen bytes long, holding data bytes
 * in all.
 */
void		 dm_zipout_reserve(struct dm_zipout *z, uint64_t nent,
		     size_t namelen, uint64_t data);

/* Adds an entry whose bytes are data[0..len). */
int		 dm_zipout_add_buffer(struct dm_zipout *z, const char *name,
		     const void *data, size_t len, struct dm_error *err);

/*
 * Adds an entry made of the hdrlen bytes of hdr (copied; hdrlen may be 0)
 * followed by the nbytes bytes of tensor i, read from the stream.
 */
int		 dm_zipout_add_tensor(struct dm_zipout *z, const char *name,
		     const void *hdr, size_t hdrlen, size_t i, uint64_t nbytes,
		     struct dm_error *err);

#endif /* DM_ZIPOUT_H */
