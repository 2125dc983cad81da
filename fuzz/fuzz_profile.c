/*
 * fuzz_profile.c - the profile reader on arbitrary text.
 *
 * Promises checked: a refused profile has a message naming the file and
 * a line; an accepted one prints in the canonical form, and that form
 * reads back to the same bytes (the round trip darkmap-profile(5)
 * promises); overrides from it either apply to a small net or are
 * refused with a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net.h"
#include "override.h"

static const char net_text[] =
    "[net]\nwidth=8\nheight=8\nchannels=3\n"
    "[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\n"
    "[connected]\noutput=5\nbatch_normalize=1\n"
    "[convolutional]\nfilters=2\nsize=1\n";

static char *
print(const struct dm_ovr *o, size_t *len)
{
	char *buf = NULL;
	FILE *fp;

	if ((fp = open_memstream(&buf, len)) == NULL)
		dm_fuzz_fail("open_memstream", NULL);
	if (dm_profile_fprint(o, fp) == -1)
		dm_fuzz_fail("profile print failed", NULL);
	fclose(fp);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_error err;
	struct dm_ovr *o, *o2;
	struct dm_cfg *cfg;
	struct dm_net *net;
	char *a, *b;
	size_t la, lb;

	dm_error_clear(&err);
	o = dm_profile_parse("f.profile", (const char *)data, size, &err);
	if (o == NULL) {
		if (err.msg[0] == '\0' || strncmp(err.msg, "f.profile", 9) != 0)
			dm_fuzz_fail("refusal does not name the file", err.msg);
		return 0;
	}
	a = print(o, &la);
	o2 = dm_profile_parse("f.profile", a, la, &err);
	if (o2 == NULL)
		dm_fuzz_fail("canonical form does not read back", err.msg);
	b = print(o2, &lb);
	if (la != lb || memcmp(a, b, la) != 0)
		dm_fuzz_fail("canonical form does not round-trip", NULL);
	free(a);
	free(b);
	dm_ovr_free(o2);

	cfg = dm_cfg_parse("f.cfg", net_text, sizeof net_text - 1,
	    DM_DIALECT_AB, &err);
	if (cfg == NULL || (net = dm_net_build(cfg, &err)) == NULL)
		dm_fuzz_fail("the built-in net does not build", err.msg);
	if (dm_ovr_check(o, net, &err) == 0 &&
	    dm_net_layout_ovr(net, o->header == 16 ? 16 : 20, DM_LAYOUT_LOAD,
	    0, o, &err) == -1 && err.msg[0] == '\0')
		dm_fuzz_fail("layout refused without a message", NULL);
	dm_net_free(net);
	dm_ovr_free(o);
	return 0;
}
