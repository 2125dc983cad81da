/*
 * grow.c - arrays that grow by doubling.
 */
#include "config.h"

#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
dm_grow(void *pp, size_t *cap, size_t n, size_t size, size_t first,
    struct dm_error *err)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap != 0 ? *cap : first;
	while (c <= n) {
		if (c > SIZE_MAX / 2)
			return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	memcpy(&p, pp, sizeof p);
	if ((p = realloc(p, c * size)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	memcpy(pp, &p, sizeof p);
	*cap = c;
	return 0;
}
