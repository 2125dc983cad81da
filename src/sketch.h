/*
 * sketch.h - reading a weights file blind: conv layers recognised from
 * the statistics of the float stream alone, without any cfg.
 *
 * A struct dm_sketch owns its layers; dm_sketch_release() frees them.
 */
#ifndef DM_SKETCH_H
#define DM_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "weights.h"

#define DM_SK_SOURCES 4

struct dm_sk_layer {
	int		 filters, size, channels;
	int		 batch_normalize;
	uint64_t	 offset;	/* byte offset of its first array */
	/* Where its input channels come from: earlier layers (indices into
	   the sketch), each whole or, with groups, half of it. */
	int		 src[DM_SK_SOURCES];
	int		 nsrc;		/* 0: the previous layer, or the image */
	int		 half;		/* the second half of src[0] */
};

struct dm_sketch {
	struct dm_sk_layer *layers;
	size_t		 n, cap;
	int		 in_channels;	/* of the image */
	uint64_t	 floats;	/* after the header */
	uint64_t	 explained;	/* floats the layers account for */
	unsigned	 hsize;
	char		 stop[256];	/* why it stopped, "" at the end */
};

/*
 * Segments the floats after a header of hsize bytes into conv layers: a
 * batch-normalised conv is four runs of n floats (biases, scales that are
 * positive, means, variances that are not negative) and n*c*k*k weights,
 * and the next layer must start where they end.  Reads the file from the
 * start, a window at a time, and stops at the first place no conv reads.
 */
int		 dm_sketch(struct dm_weights *w, unsigned hsize,
		     struct dm_sketch *sk, struct dm_error *err);

void		 dm_sketch_release(struct dm_sketch *sk);

/*
 * Writes the sketch as a draft cfg ([net], then a [convolutional] per
 * layer and the [route] their inputs need) through a temporary file.
 */
int		 dm_sketch_write_cfg(const struct dm_sketch *sk,
		     const char *out, const char *const *inputs,
		     struct dm_error *err);

#endif /* DM_SKETCH_H */
