/*
 * test_net.c - shapes and the array ledger for the quirks of spec 3, 4, 6.
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

#include "cfgkeys.h"
#include "net.h"

static struct dm_net *
build(const char *text, enum dm_dialect d, struct dm_error *err)
{
	struct dm_cfg *cfg;

	dm_error_clear(err);
	cfg = dm_cfg_parse("t.cfg", text, strlen(text), d, err);
	if (cfg == NULL)
		return NULL;
	return dm_net_build(cfg, err);
}

static const struct dm_array *
find(const struct dm_net *net, size_t layer, const char *name)
{
	size_t i;

	for (i = 0; i < net->narrays; i++)
		if (net->arrays[i].layer == layer &&
		    strcmp(net->arrays[i].name, name) == 0)
			return &net->arrays[i];
	return NULL;
}

#define NET8 "[net]\nwidth=8\nheight=8\nchannels=3\n"

static void
test_conv_even_kernel_pad(void **state)
{
	struct dm_error err;
	struct dm_net *net;
	const struct dm_array *a;

	(void)state;
	/* pad=1 means k/2: k=2 pads 1, so (8+2-2)/2+1 = 5. */
	net = build(NET8 "[convolutional]\nfilters=4\nsize=2\nstride=2\npad=1\n"
	    "batch_normalize=1\n", DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(net->layers[0].out_w, 5);
	assert_int_equal(net->layers[0].out_c, 4);
	assert_int_equal(net->narrays, 5);
	assert_string_equal(net->arrays[0].name, "biases");
	assert_string_equal(net->arrays[1].name, "scales");
	assert_string_equal(net->arrays[4].name, "weights");
	a = find(net, 0, "weights");
	assert_int_equal(a->count, 4 * 3 * 2 * 2);
	assert_int_equal(a->offset, 20 + 4 * 4 * 4);
	assert_int_equal(a->cur_shape[0], 4);
	assert_int_equal(a->cur_shape[1], 3);
	assert_int_equal(net->total_bytes, 20 + 4 * (16 + 48));
	dm_net_free(net);
}

static void
test_division_truncates_toward_zero(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	/* (2 - 3)/2 + 1 = 1 in C, not 0. */
	net = build("[net]\nwidth=2\nheight=2\nchannels=1\n"
	    "[convolutional]\nfilters=1\nsize=3\nstride=2\n", DM_DIALECT_AB,
	    &err);
	assert_non_null(net);
	assert_int_equal(net->layers[0].out_w, 1);
	dm_net_free(net);
}

static void
test_groups_and_depthwise(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build("[net]\nwidth=8\nheight=8\nchannels=8\n"
	    "[convolutional]\nfilters=8\ngroups=8\nsize=3\npad=1\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(find(net, 0, "weights")->count, 8 * 1 * 9);
	assert_int_equal(find(net, 0, "weights")->cur_shape[1], 1);
	dm_net_free(net);
}

static void
test_antialiasing_route_reads_host(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	/* Spec 4.1: the next layer gets the blurred 8x8, route sees 16x16. */
	net = build("[net]\nwidth=16\nheight=16\nchannels=3\n"
	    "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\n"
	    "antialiasing=1\n[maxpool]\nsize=1\nstride=1\n[route]\nlayers=-2\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(net->layers[0].next_w, 8);
	assert_int_equal(net->layers[1].out_w, 8);
	assert_int_equal(net->layers[2].out_w, 16);
	assert_int_equal(net->layers[2].outputs, 1024);
	dm_net_free(net);
}

static void
test_route_groups(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build(NET8 "[convolutional]\nfilters=6\nsize=1\n"
	    "[route]\nlayers=-1\ngroups=2\ngroup_id=1\n", DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(net->layers[1].out_c, 3);
	assert_int_equal(net->layers[1].outputs, 8 * 8 * 3);
	dm_net_free(net);
}

static void
test_batchnorm_by_dialect(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build(NET8 "[batchnorm]\n", DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(net->total_floats, 4 * 3);
	assert_string_equal(net->arrays[0].name, "biases");
	dm_net_free(net);
	net = build(NET8 "[batchnorm]\n", DM_DIALECT_PJ, &err);
	assert_non_null(net);
	assert_int_equal(net->total_floats, 3 * 3);
	assert_string_equal(net->arrays[0].name, "scales");
	dm_net_free(net);
}

static void
test_lstm_gate_order(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build("[net]\ninputs=5\n[lstm]\noutput=3\n", DM_DIALECT_PJ, &err);
	assert_non_null(net);
	assert_string_equal(net->arrays[0].name, "wi.biases");
	assert_string_equal(net->arrays[2].name, "wf.biases");
	assert_int_equal(find(net, 0, "ui.weights")->count, 15);
	dm_net_free(net);
}

static void
test_connected_bn_after_weights(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	/* pjreddie: AlexeyAB refuses a net without any image layer. */
	net = build(NET8 "[connected]\noutput=10\nbatch_normalize=1\n",
	    DM_DIALECT_PJ, &err);
	assert_non_null(net);
	assert_string_equal(net->arrays[1].name, "weights");
	assert_int_equal(net->arrays[1].count, 10 * 192);
	assert_int_equal(net->arrays[1].cur_shape[0], 10);
	assert_int_equal(net->arrays[1].cur_shape[1], 192);
	assert_string_equal(net->arrays[2].name, "scales");
	dm_net_free(net);
}

static void
test_share_index_has_no_data(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build("[net]\nwidth=8\nheight=8\nchannels=4\n"
	    "[convolutional]\nfilters=4\nsize=3\npad=1\n"
	    "[convolutional]\nfilters=4\nsize=3\npad=1\nshare_index=-1\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(net->layers[1].narrays, 0);
	dm_net_free(net);
}

static void
test_load_save_asymmetry(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build(NET8 "[convolutional]\nfilters=4\nsize=1\nbatch_normalize=1\n"
	    "dontloadscales=1\n[convolutional]\nfilters=2\nsize=1\n"
	    "dontload=1\n", DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_true(dm_net_asymmetric(net));
	assert_int_equal(net->total_floats, 4 + 12);
	assert_int_equal(dm_net_layout(net, 20, DM_LAYOUT_SAVE, &err), 0);
	assert_int_equal(net->total_floats, 4 + 12 + 12 + 2 + 8);
	dm_net_free(net);
}

static void
test_numload_pj(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build(NET8 "[convolutional]\nfilters=4\nsize=1\nnumload=2\n",
	    DM_DIALECT_PJ, &err);
	assert_non_null(net);
	assert_int_equal(find(net, 0, "weights")->count, 2 * 3);
	assert_int_equal(find(net, 0, "weights")->cur_shape[0], 2);
	dm_net_free(net);
}

static void
test_weighted_shortcut(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build(NET8 "[convolutional]\nfilters=4\nsize=1\n"
	    "[convolutional]\nfilters=4\nsize=1\n[shortcut]\nfrom=-2\n"
	    "weights_type=per_channel\nweights_normalization=softmax\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(find(net, 2, "weights")->count, 2 * 4);
	dm_net_free(net);
}

static void
test_errors_name_line_and_layer(void **state)
{
	struct dm_error err;

	(void)state;
	assert_null(build(NET8 "\n[convolutional]\nfilters=4\nsize=3\n"
	    "stride=0\n", DM_DIALECT_AB, &err));
	assert_int_equal(err.code, DM_ERR_INVALID);
	assert_string_equal(err.file, "t.cfg");
	assert_int_equal(err.line, 6);
	assert_int_equal(err.layer, 0);
	assert_int_equal(err.array, -1);
	/* The key's own line is told in the text. */
	assert_non_null(strstr(err.msg, "(line 9)"));
	assert_null(build(NET8 "[convolutional]\nfilters=2147483647\n",
	    DM_DIALECT_AB, &err));
	assert_int_equal(err.code, DM_ERR_RANGE);
	assert_int_equal(err.layer, 0);
	assert_null(build(NET8 "[convolutional]\nfilters=2\n[route]\n"
	    "layers=1\n", DM_DIALECT_AB, &err));
	assert_int_equal(err.code, DM_ERR_INVALID);
	assert_int_equal(err.line, 7);
	assert_int_equal(err.layer, 1);
	assert_non_null(strstr(err.msg, "this layer itself"));
}

static void
test_unknown_section(void **state)
{
	struct dm_error err;
	struct dm_net *net;

	(void)state;
	net = build(NET8 "[convolutional]\nfilters=2\n[mystery]\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(net);
	assert_int_equal(net->layers[1].type, DM_L_UNKNOWN);
	assert_int_equal(net->nwarnings, 1);
	assert_int_equal(net->warning_lines[0], 7);	/* [mystery] */
	dm_net_free(net);
	assert_null(build(NET8 "[convolutional]\nfilters=2\n[mystery]\n",
	    DM_DIALECT_PJ, &err));
	assert_null(build(NET8 "[implicit]\n[convolutional]\n", DM_DIALECT_PJ,
	    &err));
	assert_non_null(strstr(err.msg, "try --dialect ab"));
}

static void
test_errors_quote_atoi_text(void **state)
{
	struct dm_error err;

	(void)state;
	assert_null(build(NET8 "[convolutional]\nfilters=abc\nsize=3\n",
	    DM_DIALECT_AB, &err));
	assert_non_null(strstr(err.msg, "filters=abc reads as 0 (Darknet's "
	    "atoi), which must be positive (line 6)"));
	assert_null(build(NET8 "[convolutional]\nfilters=0\n", DM_DIALECT_AB,
	    &err));
	assert_non_null(strstr(err.msg, "filters=0 must be positive (line 6)"));
	assert_null(build(NET8 "[convolutional]\nfilters=2\ngroups=one\n",
	    DM_DIALECT_PJ, &err));
	assert_non_null(strstr(err.msg, "groups=one reads as 0 (Darknet's "
	    "atoi): pjreddie's Darknet divides by it"));
	assert_null(build(NET8 "[crnn]\noutput_filters=x\n", DM_DIALECT_PJ,
	    &err));
	assert_non_null(strstr(err.msg, "output_filters=x reads as 0"));
}

static void
test_errors_tell_misspelt_key(void **state)
{
	struct dm_error err;

	(void)state;
	assert_null(build(NET8 "[convolutional]\nfilters=2\n[route]\n"
	    "layer=-1\n", DM_DIALECT_AB, &err));
	assert_non_null(strstr(err.msg, "(after: t.cfg:8: [route] has no key "
	    "'layer' (Darknet ignores it; did you mean 'layers'?))"));
	/* Not one from a later section. */
	assert_null(build(NET8 "[route]\n[convolutional]\nfliters=2\n",
	    DM_DIALECT_AB, &err));
	assert_null(strstr(err.msg, "after:"));
}

/*
 * A warning for each of thousands of sections, in order and with its
 * line: the arrays of warnings grow by doubling.
 */
static void
test_many_layer_warnings(void **state)
{
	struct dm_error err;
	struct dm_net *net;
	char *text, *p;
	size_t n = 5000, i;

	(void)state;
	text = malloc(64 + 4 * n);
	assert_non_null(text);
	p = text + sprintf(text, NET8 "[convolutional]\nfilters=2\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "[x]\n");
	net = build(text, DM_DIALECT_AB, &err);
	free(text);
	assert_non_null(net);
	assert_int_equal(net->nwarnings, n);
	assert_true(net->capwarnings >= n && net->capwarnings < 2 * n);
	for (i = 0; i < n; i++)
		assert_int_equal(net->warning_lines[i], 7 + (int)i);
	assert_non_null(strstr(net->warnings[n - 1], "t.cfg:5006: layer 5000 "
	    "[x]: unknown section type"));
	dm_net_free(net);
}

/* Values quoted in errors cannot carry escape sequences. */
static void
test_errors_escape_values(void **state)
{
	struct dm_error err;

	(void)state;
	assert_null(build(NET8 "[convolutional]\nfilters=2\n[shortcut]\n"
	    "from=-1\nweights_type=\033[2J\n", DM_DIALECT_AB, &err));
	assert_non_null(strstr(err.msg, "weights_type=\\x1b[2J is not one of"));
	assert_null(build(NET8 "[convolutional]\nfilters=2\n[shortcut]\n"
	    "from=-1\nweights_type=per_layer\nweights_normalization=\007x\n",
	    DM_DIALECT_AB, &err));
	assert_non_null(strstr(err.msg, "weights_normalization=\\x07x is not "
	    "one of"));
	assert_null(build(NET8 "[convolutional]\nfilters=\033c\n",
	    DM_DIALECT_AB, &err));
	assert_non_null(strstr(err.msg, "filters=\\x1bc reads as 0"));
}

/*
 * The net builds what the one table of section types says, for every
 * section type and alias of both forks: the row's layer type where the
 * fork knows it, an unknown layer (AlexeyAB) or a refusal (pjreddie)
 * where it does not.
 */
static void
test_section_table(void **state)
{
	const struct dm_cfgsect *s;
	enum dm_dialect d;
	struct dm_error err;
	struct dm_net *net;
	char text[256];
	size_t i;
	int k, known;

	(void)state;
	for (i = 0; i < dm_layer_nsects; i++) {
		s = &dm_layer_sects[i];
		snprintf(text, sizeof text, NET8 "[convolutional]\n"
		    "filters=4\nsize=1\n%s\n", s->name);
		for (k = 0; k < 2; k++) {
			d = k ? DM_DIALECT_PJ : DM_DIALECT_AB;
			known = (s->forks & dm_dialect_fork(d)) != 0;
			net = build(text, d, &err);
			if (net != NULL) {
				assert_int_equal(net->layers[1].type, known ?
				    s->type : DM_L_UNKNOWN);
				dm_net_free(net);
			} else {
				assert_int_equal(strstr(err.msg, "unknown "
				    "section type") != NULL, !known);
			}
			if (!known)
				assert_true(net != NULL || d == DM_DIALECT_PJ);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_even_kernel_pad),
		cmocka_unit_test(test_division_truncates_toward_zero),
		cmocka_unit_test(test_groups_and_depthwise),
		cmocka_unit_test(test_antialiasing_route_reads_host),
		cmocka_unit_test(test_route_groups),
		cmocka_unit_test(test_batchnorm_by_dialect),
		cmocka_unit_test(test_lstm_gate_order),
		cmocka_unit_test(test_connected_bn_after_weights),
		cmocka_unit_test(test_share_index_has_no_data),
		cmocka_unit_test(test_load_save_asymmetry),
		cmocka_unit_test(test_numload_pj),
		cmocka_unit_test(test_weighted_shortcut),
		cmocka_unit_test(test_errors_name_line_and_layer),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_errors_quote_atoi_text),
		cmocka_unit_test(test_errors_tell_misspelt_key),
		cmocka_unit_test(test_many_layer_warnings),
		cmocka_unit_test(test_errors_escape_values),
		cmocka_unit_test(test_section_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
