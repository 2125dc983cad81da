/*
 * test_weights.c - header rules, file probing and the verdict.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "endian.h"
#include "report.h"
#include "verdict.h"
#include "weights.h"

static void
hdr(uint8_t *b, int32_t major, int32_t minor, int32_t rev, uint64_t seen)
{
	dm_le32enc(b, (uint32_t)major);
	dm_le32enc(b + 4, (uint32_t)minor);
	dm_le32enc(b + 8, (uint32_t)rev);
	dm_le64enc(b + 12, seen);
}

static void
test_header_rules(void **state)
{
	uint8_t b[20];
	struct dm_header h;

	(void)state;
	hdr(b, 0, 2, 5, 0x0000000100000002ULL);
	assert_int_equal(dm_header_decode(b, 20, DM_DIALECT_AB, &h), 0);
	assert_int_equal(h.size, 20);
	assert_int_equal(h.seen, 0x0000000100000002ULL);
	assert_false(h.transpose);
	hdr(b, 0, 1, 0, 7);
	assert_int_equal(dm_header_decode(b, 20, DM_DIALECT_AB, &h), 0);
	assert_int_equal(h.size, 16);
	assert_int_equal(h.seen, 7);
	/* 1000.1001: transposed; AlexeyAB 8-byte seen, pjreddie 4. */
	hdr(b, 1000, 1001, 0, 0);
	assert_int_equal(dm_header_decode(b, 20, DM_DIALECT_AB, &h), 0);
	assert_true(h.transpose);
	assert_int_equal(h.size, 20);
	assert_int_equal(dm_header_decode(b, 20, DM_DIALECT_PJ, &h), 0);
	assert_int_equal(h.size, 16);
	assert_int_equal(dm_header_size_for(1, 0, DM_DIALECT_PJ), 20);
	/* Too short for the header the rule asks for. */
	hdr(b, 0, 2, 0, 0);
	assert_int_equal(dm_header_decode(b, 16, DM_DIALECT_AB, &h), -1);
	assert_int_equal(dm_header_decode(b, 12, DM_DIALECT_AB, &h), -1);
	/* Values that overflow major*10 in int do not misbehave. */
	hdr(b, INT32_MAX, INT32_MAX, 0, 0);
	assert_int_equal(dm_header_decode(b, 20, DM_DIALECT_AB, &h), 0);
	assert_int_equal(h.size, 20);
}

static int
probe(const char *s, char *what)
{
	size_t n = strlen(s);

	return dm_weights_probe((const uint8_t *)s, n, n, what, 256);
}

static void
test_probe(void **state)
{
	char what[256];
	uint8_t b[64] = { 0 };

	(void)state;
	assert_int_equal(dm_weights_probe(b, 0, 0, what, sizeof what), 0);
	assert_non_null(strstr(what, "empty"));
	assert_int_equal(probe("version https://git-lfs.github.com/spec/v1\n"
	    "oid sha256:ab\nsize 1234\n", what), 0);
	assert_non_null(strstr(what, "1234 bytes"));
	assert_int_equal(probe("\n  <!DOCTYPE HTML><p>", what), 0);
	assert_non_null(strstr(what, "HTML"));
	assert_int_equal(probe("PK\003\004....archive/data.pkl", what), 0);
	assert_non_null(strstr(what, "PyTorch"));
	assert_int_equal(probe("\x80\x02}q.", what), 0);
	assert_non_null(strstr(what, "pickle"));
	assert_int_equal(probe("[net]\nwidth=1\n", what), 0);
	assert_non_null(strstr(what, "cfg"));
	memset(b, 0, sizeof b);
	hdr(b, 0, 2, 5, 0);
	assert_int_equal(dm_weights_probe(b, 10, 10, what, sizeof what), 0);
	assert_non_null(strstr(what, "fewer than"));
	assert_int_equal(dm_weights_probe(b, sizeof b, sizeof b, what,
	    sizeof what), 1);
}

/* A conv net: biases 4 (16 B) + weights 108 (432 B) = 468 B with header. */
static struct dm_net *
small_net(void)
{
	static const char text[] = "[net]\nwidth=8\nheight=8\nchannels=3\n"
	    "[convolutional]\nfilters=4\nsize=3\npad=1\n"
	    "[convolutional]\nfilters=2\nsize=1\n";
	struct dm_error err;
	struct dm_cfg *cfg;

	cfg = dm_cfg_parse("t.cfg", text, sizeof text - 1, DM_DIALECT_AB, &err);
	assert_non_null(cfg);
	return dm_net_build(cfg, &err);
}

static void
verdict_for(struct dm_net *net, uint64_t size, struct dm_verdict *v)
{
	struct dm_weights w;

	memset(&w, 0, sizeof w);
	w.path = (char *)"t.weights";
	w.size = size;
	w.is_weights = 1;
	dm_verdict_compute(net, &w, v);
}

static void
test_verdicts(void **state)
{
	struct dm_net *net = small_net();
	struct dm_verdict v;
	uint64_t total;

	(void)state;
	assert_non_null(net);
	total = net->total_bytes;
	assert_int_equal(total, 20 + 4 * (4 + 108 + 2 + 8));
	verdict_for(net, total, &v);
	assert_int_equal(v.kind, DM_V_EXACT);
	verdict_for(net, total + 8, &v);
	assert_int_equal(v.kind, DM_V_TRAILING);
	assert_int_equal(v.bytes, 8);
	verdict_for(net, total + 2, &v);
	assert_int_equal(v.kind, DM_V_UNALIGNED);
	verdict_for(net, 468, &v);		/* after layer 0 */
	assert_int_equal(v.kind, DM_V_PARTIAL);
	assert_int_equal(v.layer, 1);
	assert_int_equal(v.bytes, total - 468);
	verdict_for(net, 468 + 4, &v);		/* inside layer 1 biases */
	assert_int_equal(v.kind, DM_V_TRUNCATED);
	assert_int_equal(v.layer, 1);
	assert_string_equal(net->arrays[v.array].name, "biases");
	verdict_for(net, 36, &v);		/* between arrays of layer 0 */
	assert_int_equal(v.kind, DM_V_TRUNCATED);
	assert_int_equal(v.layer, 0);
	assert_string_equal(net->arrays[v.array].name, "weights");
	verdict_for(net, total - 4, &v);	/* the 16-byte header hint */
	assert_non_null(strstr(v.message, "16-byte header"));
	verdict_for(net, 10, &v);
	assert_int_equal(v.kind, DM_V_TRUNCATED);
	dm_verdict_compute(net, NULL, &v);
	assert_int_equal(v.kind, DM_V_NONE);
	dm_net_free(net);
}

static void
test_endian(void **state)
{
	uint8_t b[8];

	(void)state;
	dm_lef32enc(b, 1.5f);
	assert_int_equal(b[3], 0x3f);
	assert_int_equal(b[2], 0xc0);
	assert_true(dm_lef32dec(b) == 1.5f);
	dm_le64enc(b, 0x0102030405060708ULL);
	assert_int_equal(b[0], 8);
	assert_int_equal(dm_le64dec(b), 0x0102030405060708ULL);
}

/* w holding the bytes of b, as dm_weights_open reads them. */
static void
weights_of(struct dm_weights *w, const uint8_t *b, size_t n)
{
	memset(w, 0, sizeof *w);
	memcpy(w->head, b, n);
	w->headlen = n;
	w->size = n;
}

static void
test_head_like(void **state)
{
	static const uint8_t hdr[20] = { 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0,
	    0, 0xfa, 0, 0 };
	static const uint8_t utf16[16] = { '[', 0, 'n', 0, 'e', 0, 't', 0,
	    ']', 0, '\n', 0, 'w', 0, '=', 0 };
	static const uint8_t big[12] = { 0, 0, 0, 0, 2, 0, 0, 0, 0xa0, 0x86,
	    1, 0 };
	struct dm_weights w;

	(void)state;
	weights_of(&w, hdr, 20);
	assert_true(dm_weights_head_like(&w));
	weights_of(&w, hdr, 16);		/* cut inside seen */
	assert_true(dm_weights_head_like(&w));
	weights_of(&w, hdr, 8);			/* major and minor only */
	assert_true(dm_weights_head_like(&w));
	weights_of(&w, hdr, 3);			/* not even a major */
	assert_false(dm_weights_head_like(&w));
	weights_of(&w, utf16, 16);
	assert_false(dm_weights_head_like(&w));
	weights_of(&w, big, 12);		/* revision 100000 */
	assert_true(dm_weights_head_like(&w));
	w.head[8] = 0xa1;			/* revision 100001 */
	assert_false(dm_weights_head_like(&w));
	weights_of(&w, (const uint8_t *)"PK\003\004\0\0\0\0", 8);
	assert_false(dm_weights_head_like(&w));
	weights_of(&w, (const uint8_t *)"\x80\x02\0\0", 4); /* a pickle */
	assert_false(dm_weights_head_like(&w));
}

static void
test_shell_word(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(dm_shell_word(buf, sizeof buf, "a/b-1.cfg", 1), 9);
	assert_string_equal(buf, "a/b-1.cfg");
	dm_shell_word(buf, sizeof buf, "-x.weights", 1);
	assert_string_equal(buf, "./-x.weights");
	dm_shell_word(buf, sizeof buf, "-x.cfg", 0);	/* an option's value */
	assert_string_equal(buf, "-x.cfg");
	dm_shell_word(buf, sizeof buf, "-it's mine", 1);
	assert_string_equal(buf, "./'-it'\\''s mine'");
	dm_shell_word(buf, sizeof buf, "", 1);
	assert_string_equal(buf, "''");
	assert_int_equal(dm_shell_word(buf, 5, "-abcdef", 1), 9);
	assert_string_equal(buf, "./-a");
	assert_int_equal(dm_shell_word(NULL, 0, "a b", 1), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_endian),
		cmocka_unit_test(test_head_like),
		cmocka_unit_test(test_shell_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
