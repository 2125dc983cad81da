/*
 * test_cfg.c - the cfg reader against Darknet's read_cfg() rules.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"

static struct dm_cfg *
parse(const char *text, enum dm_dialect d, struct dm_error *err)
{
	dm_error_clear(err);
	return dm_cfg_parse("t.cfg", text, strlen(text), d, err);
}

static void
test_whitespace_removed_everywhere(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;
	int v;

	(void)state;
	cfg = parse("[net]\n fil ters = 1 6 \n", DM_DIALECT_AB, &err);
	assert_non_null(cfg);
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
	cfg = parse("[net]\nsize=3\nsize=5\nflag\nflag=2\n", DM_DIALECT_AB, &err);
	assert_non_null(cfg);
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
	struct dm_error err;
	struct dm_cfg *cfg;

	(void)state;
	cfg = parse("[net]\nwidth=\n", DM_DIALECT_AB, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->sects[0].nopts, 0);
	assert_int_equal(cfg->nwarnings, 1);
	assert_non_null(strstr(cfg->warnings[0], "t.cfg:2:"));
	dm_cfg_free(cfg);
}

static void
test_crlf_by_dialect(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;

	(void)state;
	cfg = parse("[net]\r\nwidth=8\r\n", DM_DIALECT_AB, &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->sects[0].name, "[net]");
	dm_cfg_free(cfg);
	cfg = parse("[net]\r\nwidth=8\r\n", DM_DIALECT_PJ, &err);
	assert_non_null(cfg);
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
	cfg = parse("[net]\na=3.9\nb=abc\nc=0x10\nd=-7\ne=+4\n",
	    DM_DIALECT_AB, &err);
	assert_non_null(cfg);
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
	cfg = parse("[net]\n\nfilters=2147483648\nok=2147483647\nneg=-2147483648\n"
	    "low=-2147483649\nhuge=-99999999999999999999\n", DM_DIALECT_AB, &err);
	assert_non_null(cfg);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "filters", 0, &v,
	    &err), -1);
	assert_int_equal(err.code, DM_ERR_RANGE);
	assert_non_null(strstr(err.msg, "t.cfg:3:"));
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "ok", 0, &v,
	    &err), 0);
	assert_int_equal(v, 2147483647);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "neg", 0, &v,
	    &err), 0);
	assert_int_equal(v, -2147483647 - 1);
	assert_int_equal(dm_section_int(cfg, &cfg->sects[0], "low", 0, &v,
	    &err), -1);
	assert_non_null(strstr(err.msg, "t.cfg:6:"));
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
	assert_non_null(strstr(err.msg, "t.cfg:2: line contains a NUL"));
	assert_null(parse("\nwidth=1\n[net]\n", DM_DIALECT_AB, &err));
	assert_non_null(strstr(err.msg, "t.cfg:2: option line before"));
}

static void
test_section_lines(void **state)
{
	struct dm_error err;
	struct dm_cfg *cfg;

	(void)state;
	cfg = parse("[net]\nw=1\n\n[conv]\nsize=3\n", DM_DIALECT_AB, &err);
	assert_non_null(cfg);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
