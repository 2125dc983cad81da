/*
 * test_error.c - the error model: codes, messages and the position fields.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

static void
assert_nowhere(const struct dm_error *err)
{
	assert_string_equal(err->file, "");
	assert_int_equal(err->line, 0);
	assert_int_equal(err->layer, -1);
	assert_int_equal(err->array, -1);
	assert_true(err->offset == DM_ERROR_NO_OFFSET);
}

static void
test_set_clears_the_position(void **state)
{
	struct dm_error err;

	(void)state;
	dm_error_clear(&err);
	assert_int_equal(err.code, DM_OK);
	assert_string_equal(err.msg, "");
	assert_nowhere(&err);
	assert_int_equal(dm_error_line(&err, DM_ERR_SYNTAX, "a.cfg", 7,
	    "bad %s", "thing"), -1);
	assert_int_equal(dm_error_at_array(&err, 3, 12), -1);
	assert_int_equal(dm_error_at_offset(&err, NULL, 4096), -1);
	/* A new error made the old way says nothing of where. */
	assert_int_equal(dm_error_set(&err, DM_ERR_IO, "x"), -1);
	assert_int_equal(err.code, DM_ERR_IO);
	assert_nowhere(&err);
}

static void
test_constructors(void **state)
{
	struct dm_error err;

	(void)state;
	assert_int_equal(dm_error_line(&err, DM_ERR_SYNTAX, "a.cfg", 7,
	    "bad %s", "thing"), -1);
	assert_int_equal(err.code, DM_ERR_SYNTAX);
	assert_string_equal(err.msg, "a.cfg:7: bad thing");
	assert_string_equal(err.file, "a.cfg");
	assert_int_equal(err.line, 7);
	assert_int_equal(err.layer, -1);
	assert_int_equal(dm_error_file(&err, DM_ERR_IO, "w.weights",
	    "short by %d bytes", 4), -1);
	assert_string_equal(err.msg, "w.weights: short by 4 bytes");
	assert_string_equal(err.file, "w.weights");
	assert_int_equal(err.line, 0);
	assert_int_equal(dm_error_at_layer(&err, 5), -1);
	assert_int_equal(dm_error_at_offset(&err, NULL, 20), -1);
	assert_int_equal(err.layer, 5);
	assert_true(err.offset == 20);
	assert_string_equal(err.file, "w.weights");
	/* Without a place to write, the constructors still fail. */
	assert_int_equal(dm_error_line(NULL, DM_ERR_IO, "f", 1, "x"), -1);
	assert_int_equal(dm_error_at_layer(NULL, 1), -1);
}

static void
test_prefix_keeps_the_position(void **state)
{
	struct dm_error err;

	(void)state;
	dm_error_set(&err, DM_ERR_INVALID, "layer 2: bad gap");
	dm_error_at_layer(&err, 2);
	assert_int_equal(dm_error_prefix(&err, "%s:%d", "p.profile", 9), -1);
	assert_int_equal(dm_error_at_line(&err, "p.profile", 9), -1);
	assert_string_equal(err.msg, "p.profile:9: layer 2: bad gap");
	assert_int_equal(err.code, DM_ERR_INVALID);
	assert_string_equal(err.file, "p.profile");
	assert_int_equal(err.line, 9);
	assert_int_equal(err.layer, 2);
}

static void
test_long_paths(void **state)
{
	char path[DM_ERROR_MAX + 100];
	struct dm_error err;

	(void)state;
	memset(path, 'a', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	dm_error_line(&err, DM_ERR_IO, path, 3, "cut");
	/* Both are cut, never overrun. */
	assert_int_equal(strlen(err.msg), DM_ERROR_MAX - 1);
	assert_int_equal(strlen(err.file), DM_ERROR_FILE_MAX - 1);
	assert_int_equal(err.line, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_clears_the_position),
		cmocka_unit_test(test_constructors),
		cmocka_unit_test(test_prefix_keeps_the_position),
		cmocka_unit_test(test_long_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
