/*
 * error.h - the core's one error model.
 *
 * Every core function that can fail takes a struct dm_error * last and
 * returns -1 (or NULL) after filling it in; it never prints and never exits.
 * The message names the file and the line, layer or byte offset concerned,
 * lowercase, without a final full stop, the way a command-line tool would
 * print it after "darkmap: ".  The same position is also kept in fields, for
 * callers that need it without reading the text: dm_error_set() clears
 * them, and the dm_error_at_*() functions, called after it where the error
 * is made, fill them in.
 */
#ifndef DM_ERROR_H
#define DM_ERROR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Status codes, with the exit status the program maps each one to. */
#define DM_STATUS_TABLE(X)                                              \
	X(DM_OK,          0, "success")                                 \
	X(DM_ERR_USAGE,   2, "usage error")                             \
	X(DM_ERR_IO,      3, "input/output error")                      \
	X(DM_ERR_NOMEM,   3, "out of memory")                           \
	X(DM_ERR_SYNTAX,  3, "syntax error")                            \
	X(DM_ERR_INVALID, 3, "invalid input")                           \
	X(DM_ERR_RANGE,   3, "value out of range")                      \
	X(DM_ERR_UNSUPPORTED, 3, "not supported")                       \
	X(DM_ERR_MISMATCH, 1, "weights do not match the cfg")

enum dm_status {
#define DM_STATUS_ENUM(name, exit_status, text) name,
	DM_STATUS_TABLE(DM_STATUS_ENUM)
#undef DM_STATUS_ENUM
};

#define DM_ERROR_MAX 1024
#define DM_ERROR_FILE_MAX 512		/* longer paths are cut */
#define DM_ERROR_NO_OFFSET UINT64_MAX

struct dm_error {
	enum dm_status	 code;
	char		 msg[DM_ERROR_MAX];
	/* Where, as far as it is known: */
	char		 file[DM_ERROR_FILE_MAX]; /* the file, "" if none */
	long		 line;		/* its line, from 1; 0 if none */
	long		 layer;		/* the layer, -1 if none */
	long		 array;		/* the array (net->arrays), -1 if none */
	uint64_t	 offset;	/* a byte offset in file, or
					   DM_ERROR_NO_OFFSET */
};

/* Clears err (code DM_OK, empty message, no position). */
void		 dm_error_clear(struct dm_error *err);

/*
 * Set the position fields of the error just recorded in err (which may be
 * NULL) and return -1, so that "return dm_error_at_line(...)" can follow
 * dm_error_set().  file may be NULL to leave it as it is.
 */
int		 dm_error_at_file(struct dm_error *err, const char *file);
int		 dm_error_at_line(struct dm_error *err, const char *file,
		     long line);
int		 dm_error_at_layer(struct dm_error *err, long layer);
int		 dm_error_at_array(struct dm_error *err, long layer,
		     long array);
int		 dm_error_at_offset(struct dm_error *err, const char *file,
		     uint64_t offset);

/*
 * Records code and a printf-style message in err (which may be NULL),
 * clears its position, and returns -1, so that callers can write
 * "return dm_error_set(...)".
 */
int		 dm_error_set(struct dm_error *err, enum dm_status code,
		     const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));

/*
 * The same, with the message prefixed by "file: " or "file:line: " and
 * the position fields set to match.
 */
int		 dm_error_file(struct dm_error *err, enum dm_status code,
		     const char *file, const char *fmt, ...)
		     __attribute__((format(printf, 4, 5)));
int		 dm_error_line(struct dm_error *err, enum dm_status code,
		     const char *file, long line, const char *fmt, ...)
		     __attribute__((format(printf, 5, 6)));

/*
 * Prepends "prefix: " to the message already in err, keeping its code and
 * position; returns -1.
 */
int		 dm_error_prefix(struct dm_error *err, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));

/* A short fixed description of a status code. */
const char	*dm_status_text(enum dm_status code);

/* The exit status the program uses for a status code. */
int		 dm_status_exit(enum dm_status code);

/*
 * 0 when mode is a regular file's; else -1 with err saying what path is
 * instead ("a directory, not a regular file").
 */
int		 dm_error_not_regular(struct dm_error *err, const char *path,
		     mode_t mode);

#endif /* DM_ERROR_H */
