/*
 * cmd_identify.c - darkmap identify: which cfg goes with a weights file.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "endian.h"
#include "error.h"
#include "identify.h"
#include "override.h"
#include "report.h"
#include "sketch.h"
#include "weights.h"

#define EXIT_NOFIT	1
#define EXIT_USAGE	2
#define EXIT_INPUT	3
#define CLOSEST_SHOWN	5	/* layouts that do not fit, shown */

static void msg(const char *, ...) __attribute__((format(printf, 1, 2)));

/* "darkmap: " and the message on stderr, control characters escaped. */
static void
msg(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs("darkmap: ", stderr);
	dm_fputs_printable(stderr, buf);
	fputc('\n', stderr);
}

/* Whether the probe took w for a Darknet cfg. */
static int
probed_cfg(const struct dm_weights *w)
{
	return strncmp(w->what, "this is a Darknet cfg", 21) == 0;
}

static int
usage_error(const char *text)
{
	msg("%s", text);
	fprintf(stderr, "Try 'darkmap identify --help' for more "
	    "information.\n");
	return EXIT_USAGE;
}

/* Adds the folders of a colon-separated list; missing ones warned of. */
static int
add_path_list(struct dm_catalog *cat, const char *list, unsigned dialects,
    struct dm_error *err)
{
	char *copy, *p, *tok, *save = NULL;
	int rc = 0;

	if ((copy = strdup(list)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (p = copy; (tok = strtok_r(p, ":", &save)) != NULL; p = NULL) {
		if (dm_catalog_add(cat, tok, dialects, DM_CAT_FOLDER,
		    err) == -1) {
			if (err->code == DM_ERR_NOMEM) {
				rc = -1;
				break;
			}
			msg("warning: DARKMAP_CFG_PATH: %s", err->msg);
			dm_error_clear(err);
		}
	}
	free(copy);
	return rc;
}

static void
usage(void)
{
	printf(
"Usage: darkmap identify [OPTION]... WEIGHTS [CFG|DIR]...\n"
"Find the cfgs that explain a Darknet weights file: the network, the fork\n"
"and the class count, best first, with the command that opens each.  The\n"
"cfgs and folders given are searched, then --catalog folders,\n"
"DARKMAP_CFG_PATH and the catalogue of both forks' cfgs.  When none fits,\n"
"the conv layers are read from the data alone.\n"
"\n"
"  -d, --dialect=ab|pj       try only this Darknet fork (default: both)\n"
"  -f, --format=FORMAT       text, tsv or json (default text)\n"
"      --catalog=DIR         search DIR too (repeatable)\n"
"      --write-cfg=OUT       write the first candidate's cfg, its changes\n"
"                            applied, to OUT\n"
"      --candidate=N         with --write-cfg: the Nth candidate instead\n"
"      --sketch=OUT.cfg      read the file blind and write a draft cfg\n"
"  -h, --help                display this help and exit\n"
"  -V, --version             output version information and exit\n"
"\n"
"Exit status: 0 a candidate fits and reads plausibly, 1 none does,\n"
"2 usage error, 3 unreadable or invalid input.  See darkmap(1).\n");
}

enum { OPT_CATALOG = 256, OPT_WRITE_CFG, OPT_SKETCH, OPT_CANDIDATE };

int
cmd_identify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dialect",	required_argument, NULL, 'd' },
		{ "format",	required_argument, NULL, 'f' },
		{ "catalog",	required_argument, NULL, OPT_CATALOG },
		{ "write-cfg",	required_argument, NULL, OPT_WRITE_CFG },
		{ "candidate",	required_argument, NULL, OPT_CANDIDATE },
		{ "sketch",	required_argument, NULL, OPT_SKETCH },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *defaults[4], *write_cfg = NULL, *sketch_out = NULL;
	const char *format = "text", *env, **inputs = NULL;
	char **catalogs = NULL;
	struct dm_catalog *cat = NULL;
	struct dm_ident_search search;
	struct dm_weights *w = NULL;
	struct dm_sketch sk;
	struct dm_ident id;
	struct dm_error err;
	unsigned dialects = DM_DIALECTS_ALL;
	size_t ncat = 0, i, nd, pick = 1;
	int ch, d, rc = EXIT_INPUT, have_id = 0, have_sk = 0, fits;
	char *end;
	long v;

	memset(&id, 0, sizeof id);
	memset(&sk, 0, sizeof sk);
	dm_error_clear(&err);
	if ((catalogs = calloc((size_t)argc + 1, sizeof *catalogs)) == NULL) {
		msg("out of memory");
		return EXIT_INPUT;
	}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:f:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			if ((d = dm_ovr_choice("dialect", optarg, &err)) == -1) {
				free(catalogs);
				return usage_error(err.msg);
			}
			dialects = DM_DIALECT_BIT(d);
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "tsv") != 0 &&
			    strcmp(optarg, "json") != 0) {
				free(catalogs);
				return usage_error("invalid format (use text, "
				    "tsv or json)");
			}
			format = optarg;
			break;
		case OPT_CATALOG:
			catalogs[ncat++] = optarg;
			break;
		case OPT_WRITE_CFG:
			write_cfg = optarg;
			break;
		case OPT_SKETCH:
			sketch_out = optarg;
			break;
		case OPT_CANDIDATE:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 1000000) {
				free(catalogs);
				return usage_error("invalid --candidate (use a "
				    "rank from 1)");
			}
			pick = (size_t)v;
			break;
		case 'h':
			free(catalogs);
			usage();
			return 0;
		case 'V':
			free(catalogs);
			printf("darkmap %s\n", PACKAGE_VERSION);
			return 0;
		default:
			free(catalogs);
			fprintf(stderr, "Try 'darkmap identify --help' for more "
			    "information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		free(catalogs);
		return usage_error("missing WEIGHTS operand");
	}
	if (pick > 1 && write_cfg == NULL) {
		free(catalogs);
		return usage_error("--candidate is for --write-cfg");
	}
	if ((w = dm_weights_open(argv[optind], DM_DIALECT_AB, &err)) == NULL)
		goto fail;
	if (!w->is_weights) {
		if (probed_cfg(w))
			msg("%s: this is a Darknet cfg file, not weights: "
			    "identify takes the weights file first, then "
			    "any cfgs or folders to search", argv[optind]);
		else
			msg("%s: %s", argv[optind], w->what);
		rc = EXIT_INPUT;
		goto out;
	}
	if ((cat = dm_catalog_new()) == NULL) {
		dm_error_set(&err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = (size_t)optind + 1; i < (size_t)argc; i++)
		if (dm_catalog_add(cat, argv[i], dialects, DM_CAT_GIVEN,
		    &err) == -1)
			goto fail;
	for (i = 0; i < ncat; i++)
		if (dm_catalog_add(cat, catalogs[i], dialects, DM_CAT_FOLDER,
		    &err) == -1)
			goto fail;
	if ((env = getenv("DARKMAP_CFG_PATH")) != NULL &&
	    add_path_list(cat, env, dialects, &err) == -1)
		goto fail;
	nd = dm_catalog_default(defaults, 4);
	for (i = 0; i < nd; i++)
		if (dm_catalog_add(cat, defaults[i], dialects, DM_CAT_BUNDLED,
		    &err) == -1)
			goto fail;
	for (i = 0; i < cat->nwarnings; i++)
		msg("warning: %s", cat->warnings[i]);
	if (dm_identify(w, cat, dialects, &id, &err) == -1)
		goto fail;
	have_id = 1;
	fits = id.ncands > 0 && id.cands[0].plausible;
	if (!fits || sketch_out != NULL) {
		if (dm_sketch(w, id.hdr.size, &sk, &err) == -1)
			goto fail;
		have_sk = 1;
	}
	if (have_sk)
		dm_ident_compare_sketch(&id, &sk, CLOSEST_SHOWN);
	else if (id.nclosest > CLOSEST_SHOWN)
		id.nclosest = CLOSEST_SHOWN;
	search.catalogs = (const char *const *)catalogs;
	search.ncatalogs = ncat;
	search.operands = (const char *const *)argv + optind + 1;
	search.noperands = (size_t)(argc - optind - 1);
	dm_ident_report(stdout, strcmp(format, "json") == 0 ? DM_REPORT_JSON :
	    strcmp(format, "tsv") == 0 ? DM_REPORT_TSV : DM_REPORT_TEXT,
	    argv[optind], &search, &id, cat, have_sk ? &sk : NULL);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		msg("write error on standard output");
		rc = EXIT_INPUT;
		goto out;
	}
	rc = fits ? 0 : EXIT_NOFIT;
	/*
	 * An output must not be any file read: the weights, each operand
	 * and every cfg read from the catalogue and the folders.
	 */
	if ((inputs = calloc((size_t)argc + cat->nfiles + 1,
	    sizeof *inputs)) == NULL) {
		dm_error_set(&err, DM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	nd = 0;
	for (i = (size_t)optind; i < (size_t)argc; i++)
		inputs[nd++] = argv[i];
	for (i = 0; i < cat->nfiles; i++)
		inputs[nd++] = cat->files[i];
	inputs[nd] = NULL;
	if (write_cfg != NULL) {
		if (pick > id.ncands) {
			msg("%s: no candidate %zu to write (%zu fit the file)",
			    argv[optind], pick, id.ncands);
			rc = EXIT_NOFIT;
		} else if (dm_cand_write_cfg(&id.cands[pick - 1], write_cfg,
		    inputs, &err) == -1)
			goto fail;
		else if (id.cands[pick - 1].nalts > 0)
			msg("%s: assumes %d anchors per head, as the cfg has; "
			    "%zu other counts fit the same bytes (see the "
			    "report)", write_cfg, id.cands[pick - 1].anchors,
			    id.cands[pick - 1].nalts);
	}
	if (sketch_out != NULL && sk.n == 0)
		msg("%s: no conv layer reads from its start; %s not written",
		    argv[optind], sketch_out);
	else if (sketch_out != NULL && dm_sketch_write_cfg(&sk, sketch_out,
	    inputs, &err) == -1)
		goto fail;
	goto out;
fail:
	msg("%s", err.msg);
	rc = dm_status_exit(err.code == DM_OK ? DM_ERR_INVALID : err.code);
out:
	if (have_id)
		dm_ident_release(&id);
	if (have_sk)
		dm_sketch_release(&sk);
	free(inputs);
	dm_catalog_free(cat);
	dm_weights_close(w);
	free(catalogs);
	return rc;
}

/* judge's answer on the file at path, as a weights file; 0 if unreadable. */
static int
judge_file(const char *path, int (*judge)(const struct dm_weights *))
{
	struct dm_weights *w;
	struct dm_error err;
	int is;

	dm_error_clear(&err);
	if ((w = dm_weights_open(path, DM_DIALECT_AB, &err)) == NULL)
		return 0;
	is = judge(w);
	dm_weights_close(w);
	return is;
}

static int
whole_weights(const struct dm_weights *w)
{
	return w->is_weights && w->has_header && dm_weights_head_like(w);
}

int
cmd_is_weights(const char *path)
{
	return judge_file(path, whole_weights);
}

/* The header size a weights file cut short at w's size needs, in buf. */
static void
header_needed(const struct dm_weights *w, char *buf, size_t len)
{
	int32_t v[3];
	unsigned ab, pj;
	size_t i;

	if (w->headlen < 12) {
		snprintf(buf, len, "%d or %d bytes", DM_HEADER_SHORT,
		    DM_HEADER_LONG);
		return;
	}
	for (i = 0; i < 3; i++)
		v[i] = (int32_t)dm_le32dec(w->head + 4 * i);
	ab = dm_header_size_for(v[0], v[1], DM_DIALECT_AB);
	pj = dm_header_size_for(v[0], v[1], DM_DIALECT_PJ);
	if (ab == pj)
		snprintf(buf, len, "%u bytes for version %d.%d.%d", ab, v[0],
		    v[1], v[2]);
	else
		snprintf(buf, len, "%u or %u bytes for version %d.%d.%d", pj,
		    ab, v[0], v[1], v[2]);
}

int
cmd_identify_hint(const char *cfg, const char *weights)
{
	struct dm_weights *w;
	struct dm_error err;
	char word[2048], need[96];
	int swapped;

	dm_error_clear(&err);
	if ((w = dm_weights_open(cfg, DM_DIALECT_AB, &err)) == NULL)
		return 0;
	if (!dm_weights_head_like(w)) {
		dm_weights_close(w);
		return 0;
	}
	swapped = weights != NULL && judge_file(weights, probed_cfg);
	if (!w->has_header) {
		header_needed(w, need, sizeof need);
		msg("%s: %" PRIu64 " bytes, too few for a weights header "
		    "(%s): it looks like a truncated weights file, not a "
		    "cfg%s", cfg, w->size, need, swapped ? "; the operands "
		    "look swapped (the cfg comes first, then the weights)" :
		    "");
	} else if (swapped)
		msg("%s: this looks like a weights file and %s like a cfg: "
		    "the operands look swapped (the cfg comes first, then "
		    "the weights)", cfg, weights);
	else {
		dm_shell_word(word, sizeof word, cfg, 1);
		msg("%s: this looks like a weights file, not a cfg: 'darkmap "
		    "identify %s' finds the cfgs that fit it", cfg, word);
	}
	dm_weights_close(w);
	return 1;
}
