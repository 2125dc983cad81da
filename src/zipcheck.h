/*
 * zipcheck.h - reads back the archive a struct dm_zipw has just written
 * (zipcheck.c).
 */
#ifndef DM_ZIPCHECK_H
#define DM_ZIPCHECK_H

#include "error.h"
#include "zipw.h"

/*
 * Reads the finished archive back from the file: the end records, the
 * central directory and every local header, decoded from the bytes on
 * file and compared with what was written.  Entry data is not read.
 * Returns 0, or -1 with err naming the first difference and its byte
 * offset.
 */
int		 dm_zipcheck(const struct dm_zipw *z, struct dm_error *err);

#endif /* DM_ZIPCHECK_H */
