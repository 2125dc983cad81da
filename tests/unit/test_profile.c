/*
 * test_profile.c - profiles: parsing, errors with line numbers, the
 * canonical round trip, and command-line overrides.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"
#include "net.h"
#include "override.h"

static const char full[] =
    "# darkmap mapping profile: see darkmap-profile(5)\n"
    "[profile]\n"
    "version=1\n"
    "cfg=yolov3.cfg\n"
    "weights_size=248007048\n"
    "weights_hash=fnv1a64:0123456789abcdef\n"
    "note=a note with spaces\n"
    "\n[file]\n"
    "dialect=pj\n"
    "layout=save\n"
    "header=16\n"
    "transpose=1\n"
    "data_end=1234\n"
    "\n[layer]\n"
    "layer=3\n"
    "absent=1\n"
    "\n[layer]\n"
    "layer=12\n"
    "omit=1\n"
    "offset=4096\n"
    "gap=-8\n"
    "order=biases,scales,rolling_mean,rolling_variance,weights\n"
    "cutoff=1\n"
    "\n[array]\n"
    "layer=12\n"
    "name=weights\n"
    "count=100\n"
    "reshape=10,10\n"
    "transpose=1\n"
    "permute=1,0\n"
    "rename=model.fc.weight\n"
    "\n[export]\n"
    "names=ultralytics\n"
    "dtype=float16\n"
    "wrap=model\n"
    "target=my model.pt\n"
    "target_hash=fnv1a64:0123456789abcdef\n";

static char *
print(const struct dm_ovr *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(dm_profile_fprint(o, fp), 0);
	fclose(fp);
	return buf;
}

static void
test_round_trip(void **state)
{
	struct dm_error err;
	struct dm_ovr *o;
	char *out;

	(void)state;
	o = dm_profile_parse("p", full, sizeof full - 1, &err);
	assert_non_null(o);
	assert_int_equal(o->header, 16);
	assert_int_equal(o->transpose, 1);
	assert_int_equal(o->nlayers, 2);
	assert_int_equal(o->layers[1].gap, -8);
	assert_string_equal(o->note, "a note with spaces");
	assert_int_equal(o->arrays[0].count, 100);
	assert_int_equal(o->arrays[0].nreshape, 2);
	out = print(o);
	assert_string_equal(out, full);
	free(out);
	dm_ovr_free(o);
}

/*
 * The profile is refused with err at line (0: the profile as a whole), for
 * the reason why.
 */
static void
expect_error(const char *text, int line, const char *why)
{
	struct dm_error err;
	struct dm_ovr *o;

	dm_error_clear(&err);
	o = dm_profile_parse("p.profile", text, strlen(text), &err);
	if (o != NULL || strstr(err.msg, why) == NULL)
		fail_msg("'%s': got '%s', wanted '%s'", text, err.msg, why);
	assert_int_equal(err.code, DM_ERR_SYNTAX);
	assert_string_equal(err.file, "p.profile");
	assert_int_equal(err.line, line);
}

static void
test_errors_name_lines(void **state)
{
	(void)state;
	expect_error("", 1, "not a darkmap profile");
	expect_error("[file]\nheader=16\n", 1,
	    "the profile must start");
	expect_error("[profile]\nversion=1\n[file]\nheader=18\n", 4,
	    "invalid value '18' for header");
	expect_error("[profile]\nversion=9\n", 2,
	    "profile version 9 is newer");
	expect_error("[profile]\nversion=1\n[bogus]\n", 3,
	    "unknown section");
	expect_error("[profile]\nversion=1\n[layer]\nabsent=1\n", 3,
	    "[layer] needs layer=");
	expect_error("[profile]\nversion=1\n[layer]\nlayer=x\n", 4,
	    "layer=x is not a layer index");
	expect_error("[profile]\nversion=1\n[array]\nlayer=1\ncount=5\n", 3,
	    "[array] needs name=");
	expect_error("[profile]\nversion=1\n[array]\nlayer=1\nname=w\n"
	    "permute=0,0\n", 6, "invalid value '0,0' for permute");
	expect_error("[profile]\nversion=1\njunk\n", 3,
	    "expected key=value");
	expect_error("[profile]\nversion=1\n[layer]\nlayer=1\n[layer]\n"
	    "layer=1\n", 5, "layer 1 appears twice");
	expect_error("[profile]\nversion=1\n[layer]\nlayer=1\nlayer=2\n", 5,
	    "'layer' given twice");
	expect_error("[profile]\nversion=1\n[file]\nfrobs=1\n", 4,
	    "unknown key 'frobs'");
}

static void
test_lines_recorded(void **state)
{
	struct dm_error err;
	struct dm_ovr *o, *c;
	char *a, *b;

	(void)state;
	o = dm_profile_parse("p", full, sizeof full - 1, &err);
	assert_non_null(o);
	assert_string_equal(o->path, "p");
	assert_int_equal(o->layers[0].line, 16);	/* [layer] of layer=3 */
	assert_int_equal(o->layers[1].line, 20);
	assert_int_equal(o->arrays[0].line, 28);

	/* A copy keeps them, and prints the same bytes. */
	assert_non_null(c = dm_ovr_new());
	assert_int_equal(dm_ovr_copy(c, o, &err), 0);
	assert_string_equal(c->path, "p");
	assert_int_equal(c->layers[1].line, 20);
	assert_int_equal(c->arrays[0].line, 28);
	a = print(o);
	b = print(c);
	assert_string_equal(a, b);
	free(a);
	free(b);

	/* An entry handed out to be changed is no longer the line's alone. */
	assert_non_null(dm_ovr_layer(c, 12, &err));
	assert_int_equal(dm_ovr_find_layer(c, 12)->line, 0);
	assert_int_equal(dm_ovr_find_layer(c, 3)->line, 16);
	assert_non_null(dm_ovr_array(c, 12, "weights", &err));
	assert_int_equal(c->arrays[0].line, 0);
	dm_ovr_free(c);
	dm_ovr_free(o);

	/* Command-line entries have none. */
	assert_non_null(o = dm_ovr_new());
	assert_int_equal(dm_ovr_parse_option(o, "order", "1=biases", &err), 0);
	assert_int_equal(dm_ovr_parse_option(o, "count", "1:biases=3", &err),
	    0);
	assert_null(o->path);
	assert_int_equal(o->layers[0].line, 0);
	assert_int_equal(o->arrays[0].line, 0);
	dm_ovr_free(o);
}

/* Applies profile text to a one-conv net; returns the error, or "". */
static const char *
apply(const char *text, struct dm_error *err)
{
	static const char net_text[] = "[net]\nwidth=8\nheight=8\n"
	    "channels=3\n[convolutional]\nfilters=4\nsize=3\n";
	struct dm_cfg *cfg;
	struct dm_net *net;
	struct dm_ovr *o;

	dm_error_clear(err);
	o = dm_profile_parse("p.profile", text, strlen(text), err);
	if (o == NULL)
		fail_msg("'%s': %s", text, err->msg);
	cfg = dm_cfg_parse("t.cfg", net_text, sizeof net_text - 1,
	    DM_DIALECT_AB, err);
	assert_non_null(cfg);
	assert_non_null(net = dm_net_build(cfg, err));
	if (dm_ovr_check(o, net, err) == 0)
		dm_net_layout_ovr(net, 20, DM_LAYOUT_LOAD, 0, o, err);
	dm_net_free(net);
	dm_ovr_free(o);
	return err->msg;
}

/* The overrides of text, applied to a one-layer net, fail at line, layer. */
static void
expect_refused(const char *text, long line, long layer)
{
	struct dm_error err;

	apply(text, &err);
	assert_int_equal(err.code, DM_ERR_INVALID);
	assert_string_equal(err.file, "p.profile");
	assert_int_equal(err.line, line);
	assert_int_equal(err.layer, layer);
}

static void
test_apply_errors_name_lines(void **state)
{
	struct dm_error err;

	(void)state;
	expect_refused("[profile]\nversion=1\n\n[layer]\nlayer=0\n"
	    "order=weights,bogus\n", 4, 0);
	expect_refused("[profile]\nversion=1\n[layer]\nlayer=0\noffset=8\n",
	    3, 0);
	expect_refused("[profile]\nversion=1\n[layer]\nlayer=0\ngap=-4\n",
	    3, 0);
	expect_refused("[profile]\nversion=1\n[array]\nlayer=0\n"
	    "name=biases\nreshape=3\n", 3, 0);
	/* A layer the net does not have is not a position in it. */
	expect_refused("[profile]\nversion=1\n[layer]\nlayer=5\nomit=1\n",
	    3, -1);
	expect_refused("[profile]\nversion=1\n[array]\nlayer=0\n"
	    "name=scales\ncount=4\n", 3, 0);
	/* The message says it in the same words as the fields. */
	assert_string_equal(apply("[profile]\nversion=1\n[layer]\nlayer=0\n"
	    "gap=-4\n", &err), "p.profile:3: layer 0: a gap of -4 bytes "
	    "would start it before the data");
	assert_string_equal(apply("[profile]\nversion=1\n[array]\nlayer=0\n"
	    "name=biases\ncount=4\n", &err), "");
	assert_int_equal(err.code, DM_OK);
}

static void
test_cli_options(void **state)
{
	struct dm_error err;
	struct dm_ovr *o = dm_ovr_new();

	(void)state;
	assert_int_equal(dm_ovr_parse_option(o, "header", "16", &err), 0);
	assert_int_equal(dm_ovr_parse_option(o, "gap", "12=4", &err), 0);
	assert_int_equal(dm_ovr_parse_option(o, "absent", "3", &err), 0);
	assert_int_equal(dm_ovr_parse_option(o, "count", "5:weights=10", &err),
	    0);
	assert_int_equal(dm_ovr_parse_option(o, "transpose-array", "5:weights",
	    &err), 0);
	assert_int_equal(o->header, 16);
	assert_int_equal(dm_ovr_find_layer(o, 12)->gap, 4);
	assert_true(dm_ovr_find_layer(o, 3)->absent);
	assert_int_equal(dm_ovr_find_array(o, 5, "weights")->count, 10);
	assert_int_equal(dm_ovr_find_array(o, 5, "weights")->transpose, 1);
	assert_int_equal(dm_ovr_parse_option(o, "header", "17", &err), -1);
	assert_int_equal(err.code, DM_ERR_USAGE);
	assert_int_equal(dm_ovr_parse_option(o, "gap", "12", &err), -1);
	assert_int_equal(dm_ovr_parse_option(o, "absent", "3=1", &err), -1);
	assert_int_equal(dm_ovr_parse_option(o, "count", "5=3", &err), -1);
	assert_int_equal(dm_ovr_parse_option(o, "gap", "x=1", &err), -1);
	dm_ovr_free(o);
}

/* The algebra of overrides, on the structures. */
static void
test_algebra(void **state)
{
	struct dm_error err;
	struct dm_ovr *a, *b, *cli;
	const struct dm_layer_ovr *l;

	(void)state;
	dm_error_clear(&err);
	a = dm_profile_parse("a.profile", full, strlen(full), &err);
	assert_non_null(a);
	b = dm_ovr_dup(a);
	assert_non_null(b);
	assert_true(dm_ovr_equal(a, b));
	/* Where an entry was read does not count; what it says does. */
	free(b->path);
	b->path = NULL;
	b->layers[0].line = 0;
	assert_true(dm_ovr_equal(a, b));
	assert_non_null(dm_ovr_find_array(b, 12, "weights"));
	dm_ovr_array(b, 12, "weights", &err)->reshape[1] = 11;
	assert_false(dm_ovr_equal(a, b));
	dm_ovr_free(b);

	/* The options over a profile: what they set wins, flags add up. */
	cli = dm_ovr_new();
	assert_int_equal(dm_ovr_parse_option(cli, "gap", "12=4", &err), 0);
	assert_int_equal(dm_ovr_parse_option(cli, "absent", "12", &err), 0);
	assert_int_equal(dm_ovr_parse_option(cli, "header", "20", &err), 0);
	assert_int_equal(dm_ovr_merge(a, cli, &err), 0);
	l = dm_ovr_find_layer(a, 12);
	assert_int_equal(l->gap, 4);
	assert_true(l->absent && l->omit && l->cutoff);
	assert_int_equal(l->offset, 4096);
	assert_int_equal(a->header, 20);
	assert_string_equal(a->names, "ultralytics");

	/* An entry that changes nothing goes; clearing a layer, its own. */
	assert_non_null(dm_ovr_layer(a, 7, &err));
	assert_int_equal(a->nlayers, 3);
	dm_ovr_prune(a);
	assert_int_equal(a->nlayers, 2);
	dm_ovr_clear(a, 12);
	assert_null(dm_ovr_find_layer(a, 12));
	assert_null(dm_ovr_find_array(a, 12, "weights"));
	assert_non_null(dm_ovr_find_layer(a, 3));
	/* Clearing all keeps the fork and the export settings. */
	dm_ovr_clear(a, -1);
	assert_int_equal(a->nlayers, 0);
	assert_int_equal(a->header, DM_UNSET);
	assert_int_equal(a->data_end, DM_UNSET);
	assert_int_equal(a->dialect, DM_DIALECT_PJ);
	assert_null(a->note);
	assert_string_equal(a->dtype, "float16");
	dm_ovr_free(cli);
	dm_ovr_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors_name_lines),
		cmocka_unit_test(test_lines_recorded),
		cmocka_unit_test(test_apply_errors_name_lines),
		cmocka_unit_test(test_cli_options),
		cmocka_unit_test(test_algebra),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
