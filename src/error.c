/*
 * error.c - recording errors for the caller to report.
 */
#include "config.h"

#include "error.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char	*text;
	int		 exit_status;
} dm_status_info[] = {
#define DM_STATUS_INFO(name, exit_status, text) { text, exit_status },
	DM_STATUS_TABLE(DM_STATUS_INFO)
#undef DM_STATUS_INFO
};

#define DM_NSTATUS (sizeof dm_status_info / sizeof dm_status_info[0])

static void
error_nowhere(struct dm_error *err)
{
	err->file[0] = '\0';
	err->line = 0;
	err->layer = -1;
	err->array = -1;
	err->offset = DM_ERROR_NO_OFFSET;
}

void
dm_error_clear(struct dm_error *err)
{
	if (err == NULL)
		return;
	err->code = DM_OK;
	err->msg[0] = '\0';
	error_nowhere(err);
}

static void
error_file(struct dm_error *err, const char *file)
{
	if (file != NULL)
		snprintf(err->file, sizeof err->file, "%s", file);
}

int
dm_error_at_file(struct dm_error *err, const char *file)
{
	if (err == NULL)
		return -1;
	error_file(err, file);
	return -1;
}

int
dm_error_at_line(struct dm_error *err, const char *file, long line)
{
	if (err == NULL)
		return -1;
	error_file(err, file);
	err->line = line;
	return -1;
}

int
dm_error_at_layer(struct dm_error *err, long layer)
{
	if (err == NULL)
		return -1;
	err->layer = layer;
	return -1;
}

int
dm_error_at_array(struct dm_error *err, long layer, long array)
{
	if (err == NULL)
		return -1;
	err->layer = layer;
	err->array = array;
	return -1;
}

int
dm_error_at_offset(struct dm_error *err, const char *file, uint64_t offset)
{
	if (err == NULL)
		return -1;
	error_file(err, file);
	err->offset = offset;
	return -1;
}

int
dm_error_set(struct dm_error *err, enum dm_status code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	error_nowhere(err);
	return -1;
}

/*
 * Records code and "file: message", or "file:line: message" when line is
 * not 0, in err, with no position yet.
 */
static void
error_vset(struct dm_error *err, enum dm_status code, const char *file,
    long line, const char *fmt, va_list ap)
{
	size_t n;
	int r;

	err->code = code;
	if (line != 0)
		r = snprintf(err->msg, sizeof err->msg, "%s:%ld: ", file, line);
	else
		r = snprintf(err->msg, sizeof err->msg, "%s: ", file);
	n = r < 0 ? 0 : (size_t)r;
	if (n < sizeof err->msg)
		vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
	error_nowhere(err);
}

int
dm_error_file(struct dm_error *err, enum dm_status code, const char *file,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	error_vset(err, code, file, 0, fmt, ap);
	va_end(ap);
	return dm_error_at_file(err, file);
}

int
dm_error_line(struct dm_error *err, enum dm_status code, const char *file,
    long line, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	error_vset(err, code, file, line, fmt, ap);
	va_end(ap);
	return dm_error_at_line(err, file, line);
}

int
dm_error_prefix(struct dm_error *err, const char *fmt, ...)
{
	char old[DM_ERROR_MAX];
	size_t n, m;
	va_list ap;
	int r;

	if (err == NULL)
		return -1;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	r = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	n = r < 0 ? 0 : (size_t)r;
	if (n > sizeof err->msg - 3)
		return -1;
	err->msg[n++] = ':';
	err->msg[n++] = ' ';
	m = strnlen(old, sizeof old - 1);
	if (m > sizeof err->msg - 1 - n)
		m = sizeof err->msg - 1 - n;
	memcpy(err->msg + n, old, m);
	err->msg[n + m] = '\0';
	return -1;
}

const char *
dm_status_text(enum dm_status code)
{
	if ((size_t)code >= DM_NSTATUS)
		return "unknown error";
	return dm_status_info[code].text;
}

int
dm_status_exit(enum dm_status code)
{
	if ((size_t)code >= DM_NSTATUS)
		return 3;
	return dm_status_info[code].exit_status;
}

int
dm_error_not_regular(struct dm_error *err, const char *path, mode_t mode)
{
	if (S_ISREG(mode))
		return 0;
	dm_error_set(err, DM_ERR_INVALID, "%s: %s, not a regular file",
	    path, S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a pipe" :
	    S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ?
	    "a block device" : S_ISSOCK(mode) ? "a socket" : "a special file");
	return dm_error_at_file(err, path);
}
