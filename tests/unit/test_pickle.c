/*
 * test_pickle.c - the state_dict pickle reader: what darkmap's own writer
 * and torch write reads back to the right keys, shapes and dtypes; every
 * hostile or broken pickle is refused with the input and byte offset.
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

#include "pickle.h"
#include "target.h"
#include "tensorout.h"

static void
target_release(struct dm_target *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].key);
	free(t->e);
	free(t->nest);
	memset(t, 0, sizeof *t);
}

/* darkmap's writer, read back: keys, shapes, dtypes, the nesting. */
static void
test_roundtrip(void **state)
{
	struct dm_tensor t[4];
	struct dm_target tg;
	struct dm_error err;
	unsigned char *pkl;
	size_t len;
	int wrap;

	(void)state;
	memset(t, 0, sizeof t);
	t[0].key = "conv.weight";
	t[0].dtype = DM_DTYPE_F32;
	t[0].ndim = 4;
	t[0].shape[0] = 16; t[0].shape[1] = 3; t[0].shape[2] = 3;
	t[0].shape[3] = 3;
	t[1].key = "bn.num_batches_tracked";
	t[1].dtype = DM_DTYPE_I64;
	t[2].key = "big";
	t[2].dtype = DM_DTYPE_BF16;
	t[2].ndim = 2;
	t[2].shape[0] = (uint64_t)1 << 33;
	t[2].shape[1] = 3;
	t[3].key = "h";
	t[3].dtype = DM_DTYPE_F16;
	t[3].ndim = 1;
	for (wrap = 0; wrap < 3; wrap++) {
		dm_error_clear(&err);
		assert_int_equal(dm_pt_pickle(t, 4, wrap == 1, wrap == 2 ?
		    "state_dict" : NULL, &pkl, &len, &err), 0);
		memset(&tg, 0, sizeof tg);
		assert_int_equal(dm_target_from_pickle(&tg, "x", pkl, len,
		    &err), 0);
		assert_int_equal(tg.n, 4);
		assert_string_equal(tg.e[0].key, "conv.weight");
		assert_string_equal(tg.e[0].dtype, "float32");
		assert_int_equal(tg.e[0].ndim, 4);
		assert_int_equal(tg.e[0].shape[0], 16);
		assert_string_equal(tg.e[1].dtype, "int64");
		assert_int_equal(tg.e[1].ndim, 0);
		assert_string_equal(tg.e[2].dtype, "bfloat16");
		assert_true(tg.e[2].shape[0] == (uint64_t)1 << 33);
		assert_string_equal(tg.e[3].dtype, "float16");
		if (wrap == 0)
			assert_null(tg.nest);
		else
			assert_string_equal(tg.nest, wrap == 1 ? "model" :
			    "state_dict");
		target_release(&tg);
		free(pkl);
	}
}

/* Refused: the message names the input, the offset and the reason. */
static void
refused(const void *buf, size_t len, const char *want)
{
	struct dm_target tg;
	struct dm_error err;

	memset(&tg, 0, sizeof tg);
	dm_error_clear(&err);
	assert_int_equal(dm_target_from_pickle(&tg, "m.pt: a/data.pkl", buf,
	    len, &err), -1);
	assert_int_equal(err.code, DM_ERR_INVALID);
	if (strncmp(err.msg, "m.pt: a/data.pkl: byte ", 23) != 0 ||
	    strstr(err.msg, want) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, want);
	target_release(&tg);
}

#define REFUSED(lit, want)	refused(lit, sizeof lit - 1, want)

static void
test_refused(void **state)
{
	unsigned char deep[300];
	size_t i;

	(void)state;
	REFUSED("\x80\x02" "cos\nsystem\nX\x02\0\0\0idR.",
	    "byte 2: refused the global os.system");
	REFUSED("\x80\x02" "cbuiltins\neval\n.", "global builtins.eval");
	REFUSED("\x80\x02" "c__builtin__\ngetattr\n.", "__builtin__.getattr");
	REFUSED("\x80\x02" "ctorch\nFloatStorage\n)R.", "refused a REDUCE");
	REFUSED("\x80\x02" "ccollections\nOrderedDict\nK\x01\x85R.",
	    "OrderedDict() with arguments");
	REFUSED("\x80\x02]]b.", "refused a BUILD");
	REFUSED("\x80\x02}r\xff\xff\xff\x7f.", "memo index 2147483647");
	REFUSED("\x80\x02h\x05.", "memo index 5 was never set");
	REFUSED("\x80\x02]q\x00h\x00" "a.", "a container inside itself");
	REFUSED("\x80\x02]q\x00]h\x00" "aa.", "changed after it was placed");
	REFUSED("\x80\x02}X\x05\0\0\0ab", "truncated");
	REFUSED("\x80\x02}", "truncated: the pickle ends without STOP");
	REFUSED("\x80\x04}.", "protocol 4");
	REFUSED("\x80\x02\x95\x01\0\0\0\0\0\0\0.", "refused opcode 0x95");
	REFUSED("\x80\x02}}.", "STOP with 2 values");
	REFUSED("\x80\x02\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.",
	    "an integer of 9 bytes");
	/* 100 lists, each appended to the one before. */
	deep[0] = 0x80;
	deep[1] = 2;
	for (i = 0; i < 100; i++)
		deep[2 + i] = ']';
	for (i = 0; i < 99; i++)
		deep[102 + i] = 'a';
	deep[201] = '.';
	refused(deep, 202, "nested more than 64 deep");
	/* 300 MARKs. */
	for (i = 2; i < sizeof deep; i++)
		deep[i] = '(';
	refused(deep, sizeof deep, "more than 256 MARKs");
}

/* A checkpoint dict without a state_dict in it. */
static void
test_no_state_dict(void **state)
{
	static const char p[] = "\x80\x02}(X\x05\0\0\0epochK\x03u.";
	struct dm_target tg;
	struct dm_error err;

	(void)state;
	memset(&tg, 0, sizeof tg);
	assert_int_equal(dm_target_from_pickle(&tg, "c.pt", (const uint8_t *)p, sizeof p - 1,
	    &err), -1);
	assert_non_null(strstr(err.msg, "holds no state_dict"));
	assert_non_null(strstr(err.msg, "'epoch'"));
	target_release(&tg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_no_state_dict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
