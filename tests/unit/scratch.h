/*
 * scratch.h - a scratch folder for a unit test, below $TMPDIR (or /tmp
 * when it is unset or empty).
 */
#ifndef DM_SCRATCH_H
#define DM_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>

/* Creates a new folder prefix.XXXXXX and leaves its path in dir. */
static int
scratch_dir(char *dir, size_t size, const char *prefix)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(dir, size, "%s/%s.XXXXXX", base, prefix);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

#endif
