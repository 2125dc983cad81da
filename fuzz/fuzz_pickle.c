/*
 * fuzz_pickle.c - the state_dict pickle reader on arbitrary bytes, as a
 * target checkpoint's data.pkl.
 *
 * Promises checked: nothing is ever run (the reader has nothing to run
 * with); a refused pickle has a message naming the input and a byte
 * offset; an accepted one yields only non-empty keys, each tensor with
 * at most DM_TARGET_MAX_DIMS dimensions and a dtype name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "target.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_target t;
	struct dm_error err;
	size_t i;

	memset(&t, 0, sizeof t);
	dm_error_clear(&err);
	if (dm_target_from_pickle(&t, "f.pt: archive/data.pkl", data, size,
	    &err) == -1) {
		if (strncmp(err.msg, "f.pt: archive/data.pkl: ", 24) != 0 ||
		    (err.code != DM_ERR_NOMEM && strstr(err.msg, "byte ") ==
		    NULL && strstr(err.msg, "holds no state_dict") == NULL &&
		    strstr(err.msg, "state_dict key") == NULL))
			dm_fuzz_fail("refusal without the input and offset",
			    err.msg);
	} else {
		for (i = 0; i < t.n; i++) {
			if (t.e[i].key == NULL || t.e[i].key[0] == '\0')
				dm_fuzz_fail("an empty key", NULL);
			if (t.e[i].ndim < 0 || t.e[i].ndim > DM_TARGET_MAX_DIMS ||
			    t.e[i].dtype[0] == '\0')
				dm_fuzz_fail("a tensor without dtype or with "
				    "too many dimensions", t.e[i].key);
		}
	}
	for (i = 0; i < t.n; i++)
		free(t.e[i].key);
	free(t.e);
	free(t.nest);
	return 0;
}
