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

void
dm_error_clear(struct dm_error *err)
{
	if (err == NULL)
		return;
	err->code = DM_OK;
	err->msg[0] = '\0';
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
	return -1;
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
	return dm_error_set(err, DM_ERR_INVALID, "%s: %s, not a regular file",
	    path, S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a pipe" :
	    S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ?
	    "a block device" : S_ISSOCK(mode) ? "a socket" : "a special file");
}
