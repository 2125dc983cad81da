/*
 * fuzz.h - what the fuzz targets share with their replay driver.
 *
 * Each target defines LLVMFuzzerTestOneInput().  Built with clang's
 * -fsanitize=fuzzer it is driven by libFuzzer; built with replay.c it runs
 * once on each file of its regression folder, so that every input that once
 * crashed is tried again by 'make check', with any compiler.
 *
 * A target calls dm_fuzz_fail() when the core breaks one of its documented
 * promises (an error without a message, a message that does not name the
 * file, a ledger whose offsets do not add up): the fuzzer then keeps the
 * input as a crash, like any other finding.
 */
#ifndef DM_FUZZ_H
#define DM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
dm_fuzz_fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz: broken promise: %s%s%s\n", what,
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	abort();
}

/* A stream that swallows the reports, opened once. */
static inline FILE *
dm_fuzz_sink(void)
{
	static FILE *fp;

	if (fp == NULL && (fp = fopen("/dev/null", "w")) == NULL)
		dm_fuzz_fail("cannot open /dev/null", NULL);
	return fp;
}

#endif /* DM_FUZZ_H */
