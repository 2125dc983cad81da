/*
 * replay.c - runs a fuzz target once on each file of its regression folder,
 * without libFuzzer, so that 'make check' replays every input that once
 * crashed whatever the compiler.
 *
 * Usage: replay_TARGET [FILE | FOLDER]...
 * Without operands it replays $srcdir/fuzz/regressions/TARGET (srcdir "."
 * when unset).  It speaks TAP, one line per input and the plan at the
 * end; exit status 0 pass, 99 hard error; a crash, a sanitizer report or
 * a broken promise aborts the process (and the plan is missing).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef DM_FUZZ_CORPUS
#error "define DM_FUZZ_CORPUS as the target's name, e.g. \"cfg\""
#endif

static int nrun;

static int
replay_file(const char *path)
{
	FILE *fp;
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "replay: out of memory\n");
				fclose(fp);
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	/* A copy of exactly len bytes, so that ASan sees any overread. */
	if ((nb = malloc(len ? len : 1)) == NULL) {
		free(buf);
		return -1;
	}
	memcpy(nb, buf, len);
	free(buf);
	(void)LLVMFuzzerTestOneInput(nb, len);
	free(nb);
	nrun++;
	printf("ok - %s\n", path);
	fflush(stdout);
	return 0;
}

static int
replay(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char *sub;
	int i, n, rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && rc == 0) {
			if ((sub = malloc(strlen(path) +
			    strlen(ents[i]->d_name) + 2)) == NULL)
				rc = -1;
			else {
				sprintf(sub, "%s/%s", path, ents[i]->d_name);
				if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
					rc = replay_file(sub);
				free(sub);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *srcdir;
	char *dir;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay(argv[i]) == -1)
				return 99;
	} else {
		if ((srcdir = getenv("srcdir")) == NULL || *srcdir == '\0')
			srcdir = ".";
		if ((dir = malloc(strlen(srcdir) + 64)) == NULL)
			return 99;
		sprintf(dir, "%s/fuzz/regressions/%s", srcdir, DM_FUZZ_CORPUS);
		if (replay(dir) == -1) {
			free(dir);
			return 99;
		}
		free(dir);
	}
	if (nrun == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 99;
	}
	/* The TAP plan: one "ok" line per input. */
	printf("# %d passed, 0 failed\n1..%d\n", nrun, nrun);
	return 0;
}
