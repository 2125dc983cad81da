/*
 * test_cfg.c - the cfg reader against Darknet's read_cfg() rules.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"
#include "cfgkeys.h"
#include "net.h"

static struct dm_cfg *
parse(const char *text, enum dm_dialect d, struct dm_error *err)
{
	dm_error_clear(err);
	return dm_cfg_parse("t.cfg", text, strlen(text), d, err);
}

/* text read in dialect d, which must succeed. */
static struct dm_cfg *
parsed(const char *text, enum dm_dialect d)
{
	struct dm_error err;
	struct dm_cfg *cfg;

	if ((cfg = parse(text, d, &err)) == NULL)
		fail_msg("%s", err.msg);
	return cfg;
}

/* text read in dialect d, which must succeed with n warnings. */
static struct dm_cfg *
warned(const char *text, enum dm_dialect d, size_t n)
{
	struct dm_cfg *cfg = parsed(text, d);

	assert_int_equal(cfg->nwarnings, n);
	return cfg;
}

/*
 * Warning i of cfg is on line, and reads "t.cfg:LINE: " then what: the
 * whole rest when whole, else its start.
 */
static void
warning_is(const struct dm_cfg *cfg, size_t i, int line, const char *what,
    int whole)
{
	char want[512];
	size_t n;

	n = (size_t)snprintf(want, sizeof want, "t.cfg:%d: %s", line, what);
	assert_true(n < sizeof want);
	if (whole)
		assert_string_equal(cfg->warnings[i], want);
	else if (strncmp(cfg->warnings[i], want, n) != 0)
		fail_msg("warning %zu is \"%s\", not \"%s...\"", i,
		    cfg->warnings[i], want);
	assert_int_equal(cfg->warning_lines[i], line);
}

static void
test_whitespace_removed_everywhere(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	int v;

	(void)state;
	cfg = parsed("[net]\n fil ters = 1 6 \n", DM_DIALECT_AB);
	assert_int_equal(cfg->nsects, 1);
	assert_string_equal(cfg->sects[0].name, "[net]");
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "filters", 0, &v,
	    &err), 0);
	assert_int_equal(v, 16);
	dm_cfg_free(cfg);
}

static void
test_comments_only_at_line_start(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	int v;

	(void)state;
	cfg = parse("# c\n;c\n[net]\nfilters=255 # x\nactivation=linear#x\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(cfg);
	/* atoi stops at '#'; strings keep it. */
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "filters", 0, &v,
	    &err), 0);
	assert_int_equal(v, 255);
	assert_string_equal(dm_section_str(&cfg->sects[0], "activation"),
	    "linear#x");
	dm_cfg_free(cfg);
}

static void
test_first_duplicate_wins(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	int v;

	(void)state;
	cfg = parsed("[net]\nsize=3\nsize=5\nflag\nflag=2\n", DM_DIALECT_AB);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "size", 1, &v,
	    &err), 0);
	assert_int_equal(v, 3);
	/* A key without a value is absent, and still shadows later ones. */
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "flag", 9, &v,
	    &err), 0);
	assert_int_equal(v, 9);
	dm_cfg_free(cfg);
}

static void
test_empty_value_warns_and_is_ignored(void **state)
{
	struct dm_cfg *cfg;

	(void)state;
	cfg = parsed("[net]\nwidth=\n", DM_DIALECT_AB);
	assert_int_equal(cfg->sects[0].nopts, 0);
	assert_int_equal(cfg->nwarnings, 1);
	assert_non_null(strstr(cfg->warnings[0], "t.cfg:2:"));
	assert_int_equal(cfg->warning_lines[0], 2);
	dm_cfg_free(cfg);
}

static void
test_crlf_by_dialect(void **state)
{
	struct dm_cfg *cfg;

	(void)state;
	cfg = parsed("[net]\r\nwidth=8\r\n", DM_DIALECT_AB);
	assert_string_equal(cfg->sects[0].name, "[net]");
	dm_cfg_free(cfg);
	cfg = parsed("[net]\r\nwidth=8\r\n", DM_DIALECT_PJ);
	assert_string_equal(cfg->sects[0].name, "[net]\r");
	dm_cfg_free(cfg);
}

static void
test_atoi_semantics(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	int v;

	(void)state;
	cfg = parsed("[net]\na=3.9\nb=abc\nc=0x10\nd=-7\ne=+4\n",
	    DM_DIALECT_AB);
	dm_section_int(cfg, &cfg->sects[0], "a", 0, &v, &err);
	assert_int_equal(v, 3);
	dm_section_int(cfg, &cfg->sects[0], "b", 5, &v, &err);
	assert_int_equal(v, 0);
	dm_section_int(cfg, &cfg->sects[0], "c", 5, &v, &err);
	assert_int_equal(v, 0);
	dm_section_int(cfg, &cfg->sects[0], "d", 5, &v, &err);
	assert_int_equal(v, -7);
	dm_section_int(cfg, &cfg->sects[0], "e", 5, &v, &err);
	assert_int_equal(v, 4);
	dm_cfg_free(cfg);
}

static void
test_int_range_error_names_line(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	int v;

	(void)state;
	cfg = parsed("[net]\n\nfilters=2147483648\nok=2147483647\nneg=-2147483648\n"
	    "low=-2147483649\nhuge=-99999999999999999999\n", DM_DIALECT_AB);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "filters", 0, &v,
	    &err), -1);
	assert_int_equal(err.code, DM_ERR_RANGE);
	assert_string_equal(err.file, "t.cfg");
	assert_int_equal(err.line, 3);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "ok", 0, &v,
	    &err), 0);
	assert_int_equal(v, 2147483647);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "neg", 0, &v,
	    &err), 0);
	assert_int_equal(v, -2147483647 - 1);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "low", 0, &v,
	    &err), -1);
	assert_int_equal(err.code, DM_ERR_RANGE);
	assert_int_equal(err.line, 6);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "huge", 0, &v,
	    &err), -1);
	dm_cfg_free(cfg);

	/* The clamping form, as the export and the diagnosis use it. */
	assert_int_equal(dm_atoi_clamp("12x3"), 12);
	assert_int_equal(dm_atoi_clamp("-7"), -7);
	assert_int_equal(dm_atoi_clamp("+"), 0);
	assert_int_equal(dm_atoi_clamp("99999999999999999999999"), INT_MAX);
	assert_int_equal(dm_atoi_clamp("-2147483649"), INT_MIN);
	assert_int_equal(dm_atoi_clamp("-2147483648"), INT_MIN);
}

static void
test_rejects_nul_and_early_option(void **state)
{
	static const char nul[] = "[net]\nwidth=1\0\n";
	struct dm_error err;

	(void)state;
	dm_error_clear(&err);
	assert_null(dm_cfg_parse("t.cfg", nul, sizeof nul - 1, DM_DIALECT_AB,
	    &err));
	assert_int_equal(err.code, DM_ERR_SYNTAX);
	assert_string_equal(err.file, "t.cfg");
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "NUL byte"));
	assert_null(parse("\nwidth=1\n[net]\n", DM_DIALECT_AB, &err));
	assert_int_equal(err.code, DM_ERR_SYNTAX);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "before the first section"));
}

static void
test_section_lines(void **state)
{
	struct dm_cfg *cfg;

	(void)state;
	cfg = parsed("[net]\nw=1\n\n[conv]\nsize=3\n", DM_DIALECT_AB);
	assert_int_equal(cfg->sects[1].line, 4);
	assert_int_equal(dm_section_line(&cfg->sects[1], "size"), 5);
	assert_int_equal(dm_section_line(&cfg->sects[1], "absent"), 4);
	dm_cfg_free(cfg);
}

static void
test_printable(void **state)
{
	char buf[16];

	(void)state;
	dm_printable(buf, sizeof buf, "[net]\r");
	assert_string_equal(buf, "[net]\\r");
	dm_printable(buf, sizeof buf, "abcdefghijklmnopqrstuvwxyz");
	assert_true(strlen(buf) < sizeof buf);
	assert_non_null(strstr(buf, "..."));
}

#define NET8 "[net]\nwidth=8\nheight=8\nchannels=3\n"

static void
test_misspelt_key_warned(void **state)
{
	struct dm_cfg *cfg;

	(void)state;
	cfg = parsed(NET8 "\n[convolutional]\nfilters=4\nsize=3\nstrid=2\n",
	    DM_DIALECT_AB);
	assert_int_equal(cfg->nwarnings, 1);
	assert_string_equal(cfg->warnings[0], "t.cfg:9: [convolutional] has "
	    "no key 'strid' (Darknet ignores it; did you mean 'stride'?)");
	assert_ptr_equal(cfg->hint, cfg->warnings[0]);
	assert_int_equal(cfg->hint_line, 9);
	assert_int_equal(cfg->warning_lines[0], 9);
	dm_cfg_free(cfg);

	/* Keys are case sensitive; a stranger gets no guess. */
	cfg = parsed(NET8 "[conv]\nBatch_Normalize=1\nno_such_key=1\n",
	    DM_DIALECT_PJ);
	assert_int_equal(cfg->nwarnings, 2);
	assert_non_null(strstr(cfg->warnings[0], "t.cfg:6: [conv] has no "
	    "key 'Batch_Normalize'"));
	assert_non_null(strstr(cfg->warnings[0], "'batch_normalize'?"));
	assert_string_equal(cfg->warnings[1], "t.cfg:7: [conv] has no key "
	    "'no_such_key' (Darknet ignores it)");
	assert_int_equal(cfg->warning_lines[0], 6);
	assert_int_equal(cfg->warning_lines[1], 7);
	dm_cfg_free(cfg);

	/* [net] is checked too. */
	cfg = warned("[net]\nwidht=8\n", DM_DIALECT_AB, 1);
	assert_non_null(strstr(cfg->warnings[0], "did you mean 'width'?"));
	dm_cfg_free(cfg);
}

static void
test_training_keys_not_warned(void **state)
{
	static const char text[] = NET8 "batch=64\nsubdivisions=16\n"
	    "learning_rate=0.001\nmomentum=0.949\ndecay=0.0005\n"
	    "burn_in=1000\nmax_batches=500500\npolicy=steps\n"
	    "steps=400000,450000\nscales=.1,.1\nangle=0\nhue=.1\n"
	    "[convolutional]\nbatch_normalize=1\nfilters=255\nsize=1\n"
	    "stride=1\npad=1\nactivation=linear\nlearning_rate=0.5\n"
	    "stopbackward=1\n"
	    "[yolo]\nmask=0,1,2\nanchors=10,13,16,30,33,23\nclasses=80\n"
	    "num=3\njitter=.3\nignore_thresh=.7\ntruth_thresh=1\n"
	    "random=1\n";
	struct dm_cfg *cfg;

	(void)state;
	cfg = warned(text, DM_DIALECT_AB, 0);
	dm_cfg_free(cfg);
	cfg = warned(text, DM_DIALECT_PJ, 0);
	assert_null(cfg->hint);
	dm_cfg_free(cfg);
}

static void
test_key_of_one_fork(void **state)
{
	static const char text[] = NET8 "[convolutional]\nfilters=4\n"
	    "stride_x=2\n[reorg]\nstride=2\nextra=5\n";
	struct dm_cfg *cfg;

	(void)state;
	cfg = warned(text, DM_DIALECT_AB, 1);
	assert_string_equal(cfg->warnings[0], "t.cfg:10: [reorg] has no key "
	    "'extra' in AlexeyAB's Darknet, which ignores it (pjreddie's reads "
	    "it: try --dialect pj)");
	/* It may be why a later check fails: it goes with the error. */
	assert_ptr_equal(cfg->hint, cfg->warnings[0]);
	assert_int_equal(cfg->hint_line, 10);
	dm_cfg_free(cfg);
	cfg = warned(text, DM_DIALECT_PJ, 1);
	assert_non_null(strstr(cfg->warnings[0], "t.cfg:7: [convolutional] "
	    "has no key 'stride_x' in pjreddie's Darknet"));
	assert_non_null(strstr(cfg->warnings[0], "try --dialect ab"));
	assert_ptr_equal(cfg->hint, cfg->warnings[0]);
	assert_int_equal(cfg->hint_line, 7);
	dm_cfg_free(cfg);

	/* Such keys of [net] change no shape: no hint. */
	cfg = parsed(NET8 "mosaic=1\n[convolutional]\nfilters=4\n",
	    DM_DIALECT_PJ);
	assert_int_equal(cfg->nwarnings, 1);
	assert_null(cfg->hint);
	dm_cfg_free(cfg);

	assert_int_equal(dm_cfgkeys_use("[rnn]", 0, "hidden", DM_DIALECT_AB),
	    DM_KEY_READ);
	assert_int_equal(dm_cfgkeys_use("[rnn]", 0, "hidden", DM_DIALECT_PJ),
	    DM_KEY_OTHER_FORK);
	assert_int_equal(dm_cfgkeys_use("[conv]", 0, "numload",
	    DM_DIALECT_PJ), DM_KEY_READ);
	assert_int_equal(dm_cfgkeys_use("[conv]", 0, "numload",
	    DM_DIALECT_AB), DM_KEY_OTHER_FORK);
}

static void
test_quiet_lines_and_sections(void **state)
{
	struct dm_cfg *cfg;

	(void)state;
	/*
	 * No '=': a key without a value, which Darknet stores and never
	 * reads; no new warning.  Sections of no known type (or of the
	 * other fork, or a second [net]) have warnings of their own.
	 */
	cfg = warned(NET8 "this_line_has_no_equals_sign\n[convolutional]\n"
	    "strid\nfilters=2\n[mystery]\nfoo=1\n[implicit]\nfoo=1\n"
	    "[net]\nfoo=1\n", DM_DIALECT_PJ, 0);
	dm_cfg_free(cfg);
	assert_int_equal(dm_cfgkeys_use("[implicit]", 0, "foo",
	    DM_DIALECT_PJ), DM_KEY_NO_TABLE);
	assert_int_equal(dm_cfgkeys_use("[net]", 0, "width", DM_DIALECT_AB),
	    DM_KEY_NO_TABLE);
	assert_int_equal(dm_cfgkeys_use("[net]\r", 1, "width",
	    DM_DIALECT_PJ), DM_KEY_NO_TABLE);
}

/* Cfgs and every key warning each gets: its line and text. */
static const struct warn_case {
	const char	*text;
	enum dm_dialect	 dialect;
	int		 hint;	/* the line of the hint, or 0: none */
	size_t		 n;
	struct {
		int		 line;
		const char	*what;	/* after "t.cfg:LINE: " */
		int		 whole;	/* the whole rest, or its start */
	} w[4];
} warn_cases[] = {
	/* A repeated key: Darknet reads only the first. */
	{ NET8 "[convolutional]\nstride=1\nsize=3\nstride=2\npad\npad=1\n",
	    DM_DIALECT_AB, 0, 2, {
		{ 8, "[convolutional] already has 'stride' on line 6: "
		    "Darknet reads only that first one (stride=1) and ignores "
		    "this line", 1 },
		{ 10, "[convolutional] already has 'pad' on line 9, without "
		    "'='", 0 } } },
	/*
	 * Darknet ignores every line of a key it never reads, so each is
	 * warned about as such, not as a repeat of the first.
	 */
	{ NET8 "[convolutional]\nfoo=1\nfilters=2\nfoo=2\nstride_x=1\n"
	    "stride_x=2\n", DM_DIALECT_PJ, 9, 4, {
		{ 6, "[convolutional] has no key 'foo' (Darknet ignores it)",
		    1 },
		{ 8, "[convolutional] has no key 'foo' (Darknet ignores it)",
		    1 },
		{ 9, "[convolutional] has no key 'stride_x' in pjreddie's "
		    "Darknet", 0 },
		{ 10, "[convolutional] has no key 'stride_x' in pjreddie's "
		    "Darknet", 0 } } },
};

static void
test_key_warnings(void **state)
{
	const struct warn_case *c;
	struct dm_cfg *cfg;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof warn_cases / sizeof warn_cases[0]; i++) {
		c = &warn_cases[i];
		cfg = warned(c->text, c->dialect, c->n);
		if (c->hint == 0)
			assert_null(cfg->hint);
		else
			assert_int_equal(cfg->hint_line, c->hint);
		for (k = 0; k < c->n; k++)
			warning_is(cfg, k, c->w[k].line, c->w[k].what,
			    c->w[k].whole);
		dm_cfg_free(cfg);
	}
}

static void
test_repeat_after_many_lines(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	size_t cap = 64 * 1024, n;
	char *text;
	int i;

	(void)state;
	/*
	 * Lines without '=' are options too; a repeat is found however many
	 * there are before it, with the line of the first, '=' or not.
	 */
	text = malloc(cap);
	assert_non_null(text);
	n = (size_t)snprintf(text, cap, NET8 "[convolutional]\n");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(text + n, cap - n, "x%d\n", i);
	n += (size_t)snprintf(text + n, cap - n, "filters=4\nfilters=8\n"
	    "size\nsize=3\nx7\nx7=1\n[convolutional]\nfilters=2\n"
	    "[maxpool]\nsize=2\nstride=1\nsize=3\n");
	assert_true(n < cap);
	cfg = parse(text, DM_DIALECT_AB, &err);
	free(text);
	assert_non_null(cfg);
	assert_int_equal(cfg->nwarnings, 4);
	warning_is(cfg, 0, 5007, "[convolutional] already has 'filters' on "
	    "line 5006: Darknet reads only that first one (filters=4) and "
	    "ignores this line", 1);
	warning_is(cfg, 1, 5009, "[convolutional] already has 'size' on line "
	    "5008, without '='", 0);
	warning_is(cfg, 2, 5011, "[convolutional] has no key 'x7'", 0);
	/* Each section has its own keys: filters=2 is no repeat. */
	warning_is(cfg, 3, 5017, "[maxpool] already has 'size' on line 5015: "
	    "Darknet reads only that first one (size=2) and ignores this line",
	    1);
	dm_cfg_free(cfg);
}

static void
test_line_without_key(void **state)
{
	struct dm_cfg *cfg;

	(void)state;
	/* Darknet stores "=5" as a key "" that nothing looks up. */
	cfg = parsed(NET8 "[convolutional]\nfilters=2\n=5\n", DM_DIALECT_AB);
	assert_int_equal(cfg->sects[1].nopts, 2);
	assert_int_equal(cfg->nwarnings, 1);
	assert_string_equal(cfg->warnings[0], "t.cfg:7: [convolutional] has a "
	    "line with no key before '=' (Darknet ignores it)");
	assert_int_equal(cfg->warning_lines[0], 7);
	assert_null(cfg->hint);
	dm_cfg_free(cfg);
}

static void
test_key_warnings_are_bounded(void **state)
{
	struct dm_cfg *cfg;
	char text[4096], *p;
	int i;

	(void)state;
	p = text + snprintf(text, sizeof text, "[net]\n");
	for (i = 0; i < 150; i++)
		p += snprintf(p, sizeof text - (size_t)(p - text), "k%d=1\n", i);
	cfg = warned(text, DM_DIALECT_AB, 101);
	warning_is(cfg, 99, 101, "[net] has no key 'k99'", 0);
	warning_is(cfg, 100, 102, "from this line on, warnings about keys are "
	    "not listed (only the first 100 are)", 1);
	dm_cfg_free(cfg);
}

/*
 * Keys without a value count towards the same cap as the other warnings
 * about keys; a hostile cfg of a million of them keeps 101.
 */
static void
test_valueless_keys_share_the_cap(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	char *text, *p;
	size_t n = 1000000, i;

	(void)state;
	cfg = warned("[net]\na=\nb=1\n[convolutional]\n", DM_DIALECT_AB, 2);
	assert_string_equal(cfg->warnings[0], "t.cfg:2: 'a=' has no value and "
	    "is ignored");
	assert_int_equal(cfg->nlinewarnings, 2);
	dm_cfg_free(cfg);

	text = malloc(64 + 3 * n);
	assert_non_null(text);
	p = text + sprintf(text, "[net]\n[convolutional]\nq=1\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "k=\n");
	cfg = parse(text, DM_DIALECT_AB, &err);
	free(text);
	assert_non_null(cfg);
	assert_int_equal(cfg->nwarnings, 101);
	/* Unknown keys and keys without a value, in line order. */
	assert_string_equal(cfg->warnings[0], "t.cfg:3: [convolutional] has "
	    "no key 'q' (Darknet ignores it)");
	assert_string_equal(cfg->warnings[1], "t.cfg:4: 'k=' has no value and "
	    "is ignored");
	assert_string_equal(cfg->warnings[99], "t.cfg:102: 'k=' has no value "
	    "and is ignored");
	assert_string_equal(cfg->warnings[100], "t.cfg:103: from this line "
	    "on, warnings about keys are not listed (only the first 100 "
	    "are)");
	assert_int_equal(cfg->warning_lines[100], 103);
	dm_cfg_free(cfg);
}

/* Whether s holds a byte a terminal would act on. */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Cfg text quoted in a warning cannot reach the terminal as escape
 * sequences: ESC, BEL and the like are written as \xNN.
 */
static void
test_warnings_escape_control_bytes(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	size_t i;

	(void)state;
	cfg = parse("[net]\nbatch=\033[31m\nbatch=2\n[convolutional]\n"
	    "k\033]0;x\007=1\nv\033[2J\007=\n\033c=\n", DM_DIALECT_AB,
	    &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->nwarnings, 4);
	assert_string_equal(cfg->warnings[0], "t.cfg:3: [net] already has "
	    "'batch' on line 2: Darknet reads only that first one "
	    "(batch=\\x1b[31m) and ignores this line");
	assert_string_equal(cfg->warnings[1], "t.cfg:5: [convolutional] has "
	    "no key 'k\\x1b]0;x\\x07' (Darknet ignores it)");
	assert_string_equal(cfg->warnings[2], "t.cfg:6: 'v\\x1b[2J\\x07=' "
	    "has no value and is ignored");
	assert_string_equal(cfg->warnings[3], "t.cfg:7: '\\x1bc=' has no "
	    "value and is ignored");
	for (i = 0; i < cfg->nwarnings; i++)
		assert_false(has_control(cfg->warnings[i]));
	dm_cfg_free(cfg);
}

static void
test_key_places(void **state)
{
	const struct dm_cfgsect *conv, *net;
	int a, b;

	(void)state;
	conv = dm_cfgkeys_sect("[conv]", 0, DM_DIALECT_AB);
	net = dm_cfgkeys_sect("[net]", 1, DM_DIALECT_AB);
	assert_non_null(conv);
	assert_non_null(net);
	assert_null(dm_cfgkeys_sect("[net]", 0, DM_DIALECT_AB));
	assert_null(dm_cfgkeys_sect("[implicit]", 0, DM_DIALECT_PJ));
	/* A key's own and the layer keys: distinct places, small ones. */
	assert_int_equal(dm_cfgkeys_find(conv, "filters", DM_DIALECT_AB, &a),
	    DM_KEY_READ);
	assert_int_equal(dm_cfgkeys_find(conv, "stopbackward", DM_DIALECT_AB,
	    &b), DM_KEY_READ);
	assert_true(a >= 0 && b >= 0 && a != b && a < 128 && b < 128);
	assert_int_equal(dm_cfgkeys_find(conv, "filters", DM_DIALECT_PJ, &b),
	    DM_KEY_READ);
	assert_int_equal(a, b);
	assert_int_equal(dm_cfgkeys_find(conv, "stride_x", DM_DIALECT_PJ, &a),
	    DM_KEY_OTHER_FORK);
	assert_int_equal(dm_cfgkeys_find(conv, "strid", DM_DIALECT_AB, &a),
	    DM_KEY_IGNORED);
	assert_int_equal(a, -1);
	assert_int_equal(dm_cfgkeys_find(conv, "", DM_DIALECT_AB, &a),
	    DM_KEY_IGNORED);
	assert_int_equal(dm_cfgkeys_find(NULL, "filters", DM_DIALECT_AB, &a),
	    DM_KEY_NO_TABLE);
	assert_int_equal(a, -1);
	/* [net] has no layer keys. */
	assert_int_equal(dm_cfgkeys_find(net, "dontload", DM_DIALECT_AB, &a),
	    DM_KEY_IGNORED);
	assert_int_equal(dm_cfgkeys_find(net, "show_receptive_field",
	    DM_DIALECT_AB, &a), DM_KEY_READ);
	assert_true(a >= 0 && a < 128);
}

static void
test_suggestions(void **state)
{
	(void)state;
	assert_string_equal(dm_cfgkeys_suggest("[convolutional]", 0,
	    "fliters", DM_DIALECT_AB), "filters");
	assert_string_equal(dm_cfgkeys_suggest("[convolutional]", 0,
	    "batchnormalize", DM_DIALECT_PJ), "batch_normalize");
	assert_string_equal(dm_cfgkeys_suggest("[route]", 0, "layer",
	    DM_DIALECT_AB), "layers");
	assert_string_equal(dm_cfgkeys_suggest("[yolo]", 0, "clases",
	    DM_DIALECT_PJ), "classes");
	assert_string_equal(dm_cfgkeys_suggest("[network]", 1, "HEIGHT",
	    DM_DIALECT_AB), "height");
	/* Only keys the dialect reads; short keys allow one slip. */
	assert_string_equal(dm_cfgkeys_suggest("[convolutional]", 0,
	    "strid_x", DM_DIALECT_AB), "stride_x");
	assert_string_equal(dm_cfgkeys_suggest("[convolutional]", 0,
	    "strid_x", DM_DIALECT_PJ), "stride");
	assert_null(dm_cfgkeys_suggest("[convolutional]", 0, "pxx",
	    DM_DIALECT_AB));
	assert_null(dm_cfgkeys_suggest("[convolutional]", 0, "no_such_key",
	    DM_DIALECT_AB));
	assert_null(dm_cfgkeys_suggest("[mystery]", 0, "size",
	    DM_DIALECT_AB));
}

/*
 * The keys are looked up in the one table of section types: a section is
 * known to a dialect exactly when its row says the fork reads it, and
 * every layer type has a row named after it.
 */
static void
test_section_table(void **state)
{
	const struct dm_cfgsect *s;
	char name[64];
	size_t i;
	int t, k, rows;

	(void)state;
	assert_true(dm_layer_nsects > 0);
	for (i = 0; i < dm_layer_nsects; i++) {
		s = &dm_layer_sects[i];
		assert_ptr_equal(dm_cfgsect_find(s->name), s);
		for (k = 0; k < 2; k++) {
			enum dm_dialect d = k ? DM_DIALECT_PJ : DM_DIALECT_AB;

			assert_ptr_equal(dm_cfgkeys_sect(s->name, 0, d),
			    (s->forks & dm_dialect_fork(d)) ? s : NULL);
		}
	}
	for (t = 0; t < DM_L_NTYPES; t++) {
		if (t == DM_L_UNKNOWN)
			continue;
		snprintf(name, sizeof name, "[%s]",
		    dm_ltype_name((enum dm_ltype)t));
		s = dm_cfgsect_find(name);
		assert_non_null(s);
		assert_int_equal(s->type, t);
	}
	for (i = 0, rows = 0; i < dm_layer_nsects; i++)
		rows += dm_layer_sects[i].type == DM_L_UNKNOWN;
	assert_int_equal(rows, 0);
	assert_null(dm_cfgsect_find("[net]"));
	assert_null(dm_cfgsect_find("[mystery]"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whitespace_removed_everywhere),
		cmocka_unit_test(test_comments_only_at_line_start),
		cmocka_unit_test(test_first_duplicate_wins),
		cmocka_unit_test(test_empty_value_warns_and_is_ignored),
		cmocka_unit_test(test_crlf_by_dialect),
		cmocka_unit_test(test_atoi_semantics),
		cmocka_unit_test(test_int_range_error_names_line),
		cmocka_unit_test(test_rejects_nul_and_early_option),
		cmocka_unit_test(test_section_lines),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_misspelt_key_warned),
		cmocka_unit_test(test_training_keys_not_warned),
		cmocka_unit_test(test_key_of_one_fork),
		cmocka_unit_test(test_quiet_lines_and_sections),
		cmocka_unit_test(test_key_warnings),
		cmocka_unit_test(test_repeat_after_many_lines),
		cmocka_unit_test(test_line_without_key),
		cmocka_unit_test(test_key_warnings_are_bounded),
		cmocka_unit_test(test_valueless_keys_share_the_cap),
		cmocka_unit_test(test_warnings_escape_control_bytes),
		cmocka_unit_test(test_key_places),
		cmocka_unit_test(test_suggestions),
		cmocka_unit_test(test_section_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
