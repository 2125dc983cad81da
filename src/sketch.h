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
	uint64_t	 size;		/* bytes of the file */
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

/* Who reads a byte of the file, as the sketch has it. */
enum dm_sk_kind {
	DM_SK_HEADER,		/* the file's header */
	DM_SK_RUN,		/* a run of a segment (a conv layer) */
	DM_SK_UNEXPLAINED,	/* after the segments: no conv reads it */
	DM_SK_PAST_END		/* past the end of the file */
};

struct dm_sk_where {
	enum dm_sk_kind	 kind;
	long		 seg;		/* the segment, or -1 */
	int		 run;		/* its run: 0 biases, then scales,
					   rolling_mean, rolling_variance
					   with batch norm; weights last */
	const char	*name;		/* the run's, or NULL */
	uint64_t	 start, len;	/* the bytes of the run or region */
};

/*
 * Where byte off of the file is: in which segment and which run of it
 * (a batch-normalised conv is biases, scales, rolling_mean and
 * rolling_variance of n floats each, then its weights; one without is
 * biases and weights), in the header, in the bytes no segment explains,
 * or past the end of the file.
 */
void		 dm_sketch_where(const struct dm_sketch *sk, uint64_t off,
		     struct dm_sk_where *w);

/*
 * The same as a line into buf of len bytes, as the byte view says it:
 * "segment 0 biases, byte 4 of 32", "the file's header", "not explained:
 * no conv layer reads bytes 87256-112180", "past the end of the file".
 * Returns its length (cut short if need be).
 */
size_t		 dm_sketch_where_text(const struct dm_sketch *sk, uint64_t off,
		     char *buf, size_t len);

/*
 * Writes the sketch as a draft cfg ([net], then a [convolutional] per
 * layer and the [route] their inputs need) through a temporary file.
 */
int		 dm_sketch_write_cfg(const struct dm_sketch *sk,
		     const char *out, const char *const *inputs,
		     struct dm_error *err);

#endif /* DM_SKETCH_H */
