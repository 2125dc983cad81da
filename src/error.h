/*
 * error.h - the core's one error model.
 *
 * Every core function that can fail takes a struct dm_error * last and
 * returns -1 (or NULL) after filling it in; it never prints and never exits.
 * The message names the file and the line, layer or byte offset concerned,
 * lowercase, without a final full stop, the way a command-line tool would
 * print it after "darkmap: ".
 */
#ifndef DM_ERROR_H
#define DM_ERROR_H

#include <stddef.h>
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

struct dm_error {
	enum dm_status	 code;
	char		 msg[DM_ERROR_MAX];
};

/* Clears err (code DM_OK, empty message). */
void		 dm_error_clear(struct dm_error *err);

/*
 * Records code and a printf-style message in err (which may be NULL) and
 * returns -1, so that callers can write "return dm_error_set(...)".
 */
int		 dm_error_set(struct dm_error *err, enum dm_status code,
		     const char *fmt, ...)
		     __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in err; returns -1. */
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
