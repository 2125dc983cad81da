/*
 * tensorout.h - streaming writers for PyTorch .pt, safetensors and .npz.
 *
 * The writers turn an ordered list of tensors (key, dtype, shape) into one
 * output file without ever holding a whole tensor in memory: they ask a
 * caller-supplied fill function for the little-endian bytes of each tensor,
 * one chunk at a time, through a fixed buffer of DM_TENSOROUT_CHUNK bytes,
 * so that peak memory stays flat whatever the model size.
 *
 * Every writer writes through an atomic file (see atomicfile.h): a temporary
 * file beside the target that is renamed over it only once the whole output
 * is complete, and synced first as the sync policy says.  On any error the target
 * is left as it was (the previous file kept, or still absent) and no
 * temporary file remains.
 *
 * Formats written:
 *
 *  - dm_pt_write(): the zip container torch.save() has written since
 *    PyTorch 1.6.  Records are stored, each record's data starts at a
 *    multiple of 64 bytes, the pickle is protocol 2 without floats, so the
 *    file loads with torch.load() in 1.6 to 2.x, with weights_only=True from
 *    1.13 and with mmap=True from 2.1.  Zip64 is used when needed.
 *  - dm_safetensors_write(): the safetensors layout, header padded so that
 *    the data starts at a multiple of 64, with "__metadata__" holding
 *    {"format": "pt"}.
 *  - dm_npz_write(): a stored (uncompressed) zip of "<key>.npy" members as
 *    numpy.load() reads them, zip64 when needed.
 */
#ifndef DM_TENSOROUT_H
#define DM_TENSOROUT_H

#include <stddef.h>
#include <stdint.h>

#include "atomicfile.h"
#include "error.h"

/* Element types an output tensor can have. */
enum dm_dtype {
	DM_DTYPE_F32,		/* torch.float32, "F32", '<f4' */
	DM_DTYPE_F16,		/* torch.float16, "F16", '<f2' */
	DM_DTYPE_I64,		/* torch.int64, "I64", '<i8' */
	DM_DTYPE_BF16		/* torch.bfloat16, "BF16", none in numpy */
};

#define DM_MAX_DIMS		8

/* The size of the buffer the writers fill and the largest fill request. */
#define DM_TENSOROUT_CHUNK	((size_t)1 << 20)

struct dm_tensor {
	const char	*key;		/* state_dict key, non-empty UTF-8 */
	enum dm_dtype	 dtype;		/* dtype written to the output */
	int		 ndim;		/* 0 for a 0-d tensor, at most 8 */
	uint64_t	 shape[DM_MAX_DIMS];
};

/*
 * The streaming source.  fill() must put exactly len bytes of tensor i,
 * starting at byte off of that tensor's data, into buf and return 0, or
 * return -1 after dm_error_set(err, ...).  The bytes are little-endian and
 * already in the output dtype (a DM_DTYPE_F16 tensor is delivered as IEEE
 * half-precision bits).  Its error message is passed on to the caller of
 * the writer unchanged, so it should name the input it failed on.
 *
 * Requests never exceed DM_TENSOROUT_CHUNK bytes, are never empty, and cover
 * each tensor once, from offset 0 upwards without gaps (every request starts
 * where the previous one for that tensor ended).  Tensors are requested
 * one after the other: in index order for .pt and .npz, and for
 * safetensors in the order of the data in the file, which is by decreasing
 * element size, in index order among equal sizes.
 */
typedef int	(*dm_tensor_fill_fn)(void *ctx, size_t i, uint64_t off,
		    void *buf, size_t len, struct dm_error *err);

struct dm_tensorout_opts {
	/*
	 * .pt only: when set, the pickle is the dict
	 * {'epoch': -1, 'best_fitness': None, 'training_results': None,
	 * 'model': state_dict, 'optimizer': None}, the shape of an Ultralytics
	 * (YOLOv5-era) checkpoint, instead of the bare state_dict.  It holds no
	 * Python float, so it still loads with weights_only=True on 1.13.
	 */
	int		 wrap_model;
	/*
	 * .pt only: when not NULL (and wrap_model is not set), the pickle is
	 * the dict {wrap_key: state_dict}, the nesting of a target
	 * checkpoint kept.
	 */
	const char	*wrap_key;
	/*
	 * .pt only: the folder all records live in, "archive" when NULL.  One
	 * non-empty path component: no '/', '\\' or control characters.
	 */
	const char	*archive_name;
	/*
	 * Paths the output must not replace, ending with NULL (the list may be
	 * NULL): the writer refuses to run when the output path names the same
	 * file (same st_dev and st_ino) as one of them.
	 */
	const char *const *inputs;
	/*
	 * Called with the number of tensor data bytes produced so far and the
	 * total: once with done = 0 before the first fill, after every fill,
	 * and once with done = total when the output is complete.  May be NULL.
	 */
	void		(*progress)(void *pctx, uint64_t done, uint64_t total);
	void		*pctx;
	/*
	 * Whether the output is synced to the disk before it is renamed
	 * over the target (see atomicfile.h): by default only when it
	 * replaces a file.  Syncing is slower on most disks; without it a
	 * system crash soon afterwards may leave an empty or partial file,
	 * as after cp(1).
	 */
	enum dm_sync	 sync;
	/*
	 * Whether the output is read back in full before the rename: a zip
	 * archive (.pt, .npz) by libzip, which checks every header and
	 * every entry's CRC-32; any other file against a CRC-32 of the bytes
	 * written.  Without it, an archive's headers are still read back
	 * and compared (dm_zipcheck()), but no data is read.
	 */
	int		 verify;
};

/*
 * Each writer writes the n tensors of t (keys in the order given; a key
 * used twice is an error) to path.  opts may be NULL for the defaults.
 * Returns 0, or -1 with err set; errors name the output file, and the key
 * when one tensor is at fault.
 */
int		 dm_pt_write(const char *path, const struct dm_tensor *t,
		     size_t n, dm_tensor_fill_fn fill, void *ctx,
		     const struct dm_tensorout_opts *opts,
		     struct dm_error *err);
int		 dm_safetensors_write(const char *path,
		     const struct dm_tensor *t, size_t n,
		     dm_tensor_fill_fn fill, void *ctx,
		     const struct dm_tensorout_opts *opts,
		     struct dm_error *err);
int		 dm_npz_write(const char *path, const struct dm_tensor *t,
		     size_t n, dm_tensor_fill_fn fill, void *ctx,
		     const struct dm_tensorout_opts *opts,
		     struct dm_error *err);

/* The size in bytes of one element of dtype, 0 for an unknown value. */
uint64_t	 dm_dtype_size(enum dm_dtype dtype);

/*
 * The number of elements of t (1 for a 0-d tensor) and its size in bytes.
 * Returns -1 with err set when the shape is invalid or the size does not
 * fit in an int64_t.
 */
int		 dm_tensor_size(const struct dm_tensor *t, uint64_t *numel,
		     uint64_t *nbytes, struct dm_error *err);

/*
 * The rest is the interface between tensorout.c and the writers pt.c,
 * safetensors.c and npz.c (and the unit tests); it is not for other
 * callers.
 */

/* Whether s[0..len) is well-formed UTF-8 (no overlongs or surrogates). */
int		 dm_utf8_valid(const unsigned char *s, size_t len);

/* The n tensors t to write to path, and their sizes. */
struct dm_tensorout_req {
	const char	*path;
	const struct dm_tensor *t;
	size_t		 n;
	uint64_t	*nbytes;	/* the data size of each tensor ... */
	uint64_t	 total;		/* ... and of all */
};

/*
 * Checks the tensors before anything is written: valid keys (non-empty,
 * valid UTF-8, no duplicates), valid dtypes and shapes, sizes that fit.
 * Fills r, whose nbytes is allocated (free() it) and NULL on failure.
 * Errors are prefixed with path.
 */
int		 dm_tensorout_check(struct dm_tensorout_req *r,
		     const char *path, const struct dm_tensor *t, size_t n,
		     struct dm_error *err);

/*
 * A byte buffer that grows as bytes are added.  A failed allocation sets
 * nomem and makes later additions do nothing, so that a caller can build
 * the whole buffer and check once at the end.  Start from all zeroes;
 * free() p.
 */
struct dm_buf {
	unsigned char	*p;
	size_t		 len;
	size_t		 cap;
	int		 nomem;
};

void		 dm_buf_add(struct dm_buf *b, const void *data, size_t len);

/* The source of tensor data shared by the writers of one output file. */
struct dm_tensorout_stream {
	const char	*path;		/* the output, for messages */
	const struct dm_tensor *t;
	dm_tensor_fill_fn fill;
	void		*ctx;
	const struct dm_tensorout_opts *opts;
	unsigned char	*buf;		/* DM_TENSOROUT_CHUNK bytes */
	size_t		 buf_tensor;	/* which tensor buf holds ... */
	uint64_t	 buf_off;	/* ... from which byte ... */
	size_t		 buf_len;	/* ... and how many bytes */
	uint64_t	 done;
	uint64_t	 total;
	int		 failed;	/* fill() failed: the error is in err */
	struct dm_error	*err;
};

int		 dm_tensorout_stream_init(struct dm_tensorout_stream *s,
		     const char *path, const struct dm_tensor *t,
		     dm_tensor_fill_fn fill, void *ctx,
		     const struct dm_tensorout_opts *opts, uint64_t total,
		     struct dm_error *err);
void		 dm_tensorout_stream_free(struct dm_tensorout_stream *s);

/*
 * Makes the stream buffer hold the bytes of tensor i that start at off
 * (at most DM_TENSOROUT_CHUNK bytes, fewer at the end of the tensor, whose
 * size is nbytes), calling fill() when needed.  *p and *len receive where
 * those bytes are in the buffer.
 */
int		 dm_tensorout_stream_get(struct dm_tensorout_stream *s,
		     size_t i, uint64_t off, uint64_t nbytes,
		     const unsigned char **p, size_t *len);

/* Reports done == total to the progress callback. */
void		 dm_tensorout_stream_finish(struct dm_tensorout_stream *s);

/*
 * The pickle (data.pkl) of a .pt file for the n tensors of t, tensor i
 * stored in record "data/<i>".  *out is allocated; free() it.
 */
int		 dm_pt_pickle(const struct dm_tensor *t, size_t n,
		     int wrap_model, const char *wrap_key, unsigned char **out,
		     size_t *outlen,
		     struct dm_error *err);

/*
 * The .npy (version 1.0) header of t: magic, version, length and the
 * header dict padded with spaces and a final newline to a multiple of 64
 * bytes.  Returns its length, or 0 if bufsize is too small.
 */
size_t		 dm_npy_header(const struct dm_tensor *t, char *buf,
		     size_t bufsize);

#endif /* DM_TENSOROUT_H */
