/*
 * grow.h - arrays that grow by doubling as elements are added.
 */
#ifndef DM_GROW_H
#define DM_GROW_H

#include <stddef.h>

#include "error.h"

/*
 * Makes room for element n (one past the last) in an array of elements of
 * size bytes with room for *cap, doubling *cap (from first when it is 0).
 * pp is the address of the array's pointer (a struct foo **), which is
 * updated.  Returns 0, or -1 with err set and the array as it was.
 */
int		 dm_grow(void *pp, size_t *cap, size_t n, size_t size,
		     size_t first, struct dm_error *err);

#endif /* DM_GROW_H */
