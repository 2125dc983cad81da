/*
 * main.c - the darkmap program: command-line parsing and the commands.
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "error.h"
#include "export.h"
#include "net.h"
#include "override.h"
#include "report.h"
#include "tui.h"
#include "vm.h"
#include "verdict.h"
#include "weights.h"

#define EXIT_MISMATCH	1
#define EXIT_USAGE	2
#define EXIT_INPUT	3

static const char *progname = "darkmap";

static void
usage(FILE *fp)
{
	fprintf(fp,
"Usage: %s [OPTION]... CFG [WEIGHTS]   (interactive on a terminal)\n"
"       %s inspect [OPTION]... CFG [WEIGHTS]\n"
"       %s convert [OPTION]... CFG WEIGHTS -o OUT\n"
"       %s fix [OPTION]... CFG WEIGHTS -o PROFILE\n"
"Show every layer of a Darknet cfg beside the byte range its tensors\n"
"occupy in the .weights file, say whether and why the file does not fit,\n"
"fix the mapping, and convert the tensors.\n"
"\n"
"Without a command, on a terminal, the interactive full-screen interface\n"
"opens (see KEYS in darkmap(1)); otherwise the inspect report is printed.\n"
"\n"
"Commands:\n"
"  inspect           print the layer table, header, verdict and diagnosis\n"
"  convert           write the tensors as .pt, .safetensors, .npz or a clean\n"
"                    .weights\n"
"  fix               save the best-scoring repair as a profile\n"
"\n"
"Options:\n"
"  -d, --dialect=ab|pj       Darknet fork: ab (AlexeyAB, default) or pj\n"
"                            (pjreddie)\n"
"  -f, --format=FORMAT       inspect: text, tsv or json (default text);\n"
"                            convert: pt, safetensors, npz or weights\n"
"                            (default: from OUT's extension)\n"
"  -l, --layout=load|save    lay the file out as Darknet's loader reads it\n"
"                            (default) or as its writer writes it\n"
"  -p, --profile=FILE        apply a mapping profile\n"
"      --save-profile=FILE   save the overrides given as a profile\n"
"      --no-stats            inspect: skip statistics and diagnosis\n"
"  -o, --output=FILE         convert, fix: the file to write\n"
"  -n, --names=SCHEME|TEMPLATE  convert: darkmap (default), ultralytics,\n"
"                            eriklindernoren, tianxiaomo, or a template with\n"
"                            {layer} {conv} {type} {name} {array}\n"
"      --dtype=float32|float16  convert: element type of pt, safetensors, npz\n"
"      --wrap=model|none     convert to .pt: {'model': state_dict, ...}\n"
"      --force               convert a file that does not match its cfg\n"
"      --sync                convert: always wait for the output to reach the\n"
"                            disk before renaming it into place (by default\n"
"                            only when it replaces a file)\n"
"      --no-sync             convert: never wait for the disk\n"
"      --verify              convert: read the whole output back before\n"
"                            renaming it into place (.pt and .npz through\n"
"                            libzip, which checks every CRC-32)\n"
"  -h, --help                display this help and exit\n"
"  -V, --version             output version information and exit\n"
"\n"
"Overrides (see darkmap(1)); L is a layer index, A an array name:\n"
"      --header=16|20  --transpose=yes|no  --data-end=BYTES\n"
"      --absent=L  --omit=L  --cutoff=L  --gap=L=BYTES  --offset=L=BYTE\n"
"      --order=L=A,A,...  --count=L:A=N  --transpose-array=L:A\n"
"      --permute=L:A=1,0,...  --reshape=L:A=D,D,...  --rename=L:A=KEY\n"
"\n"
"Exit status: 0 the weights match the cfg (or no WEIGHTS given; convert,\n"
"fix: done), 1 they do not (fix: no repair fits), 2 usage error,\n"
"3 unreadable or invalid input.\n"
"See darkmap(1) and darkmap-profile(5).\n", progname, progname, progname,
	    progname);
}

static void
version(void)
{
	printf("darkmap %s\n", PACKAGE_VERSION);
}

static void say(FILE *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void warnx_usage(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Prints "darkmap: " and the message to fp, which ends with the newline
 * the format gives.  Names of files, cfg and profile text may hold any
 * byte: control characters are shown as \xNN, so that no message can
 * drive the terminal.
 */
static void
vsay(FILE *fp, const char *fmt, va_list ap)
{
	char buf[4096];
	size_t len;
	int nl;

	vsnprintf(buf, sizeof buf, fmt, ap);
	len = strlen(buf);
	if ((nl = len > 0 && buf[len - 1] == '\n'))
		buf[len - 1] = '\0';
	fprintf(fp, "%s: ", progname);
	dm_fputs_printable(fp, buf);
	if (nl)
		putc('\n', fp);
}

static void
say(FILE *fp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fp, fmt, ap);
	va_end(ap);
}

static void
warnx_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
}

enum command { CMD_INSPECT, CMD_CONVERT, CMD_FIX };

struct opts {
	enum command		 cmd;
	int			 explicit_cmd;	/* a command was named */
	int			 dialect;	/* DM_UNSET: profile or ab */
	enum dm_report_format	 format;
	int			 layout;	/* DM_UNSET: profile or load */
	const char		*format_name;
	const char		*cfg;
	const char		*weights;
	const char		*output;
	const char		*names;
	const char		*dtype;
	const char		*profile;
	const char		*save_profile;
	int			 wrap_model;
	int			 wrap_set;	/* --wrap was given */
	int			 force;
	int			 sync;		/* 0, or an enum dm_sync + 1 */
	int			 verify;
	int			 no_stats;
	struct dm_ovr		*cli;		/* overrides given as options */
};

enum {
	OPT_SAVE_PROFILE = 256, OPT_NO_STATS, OPT_DTYPE, OPT_WRAP, OPT_FORCE,
	OPT_NO_SYNC, OPT_SYNC, OPT_VERIFY,
	OPT_OVERRIDE
};

static const char *const override_opts[] = {
	"header", "transpose", "data-end", "absent", "omit", "cutoff", "gap",
	"offset", "order", "count", "transpose-array", "permute", "reshape",
	"rename", NULL
};

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static struct option longopts[32] = {
		{ "dialect",	  required_argument, NULL, 'd' },
		{ "format",	  required_argument, NULL, 'f' },
		{ "layout",	  required_argument, NULL, 'l' },
		{ "profile",	  required_argument, NULL, 'p' },
		{ "save-profile", required_argument, NULL, OPT_SAVE_PROFILE },
		{ "no-stats",	  no_argument,	     NULL, OPT_NO_STATS },
		{ "output",	  required_argument, NULL, 'o' },
		{ "names",	  required_argument, NULL, 'n' },
		{ "dtype",	  required_argument, NULL, OPT_DTYPE },
		{ "wrap",	  required_argument, NULL, OPT_WRAP },
		{ "force",	  no_argument,	     NULL, OPT_FORCE },
		{ "no-sync",	  no_argument,	     NULL, OPT_NO_SYNC },
		{ "sync",	  no_argument,	     NULL, OPT_SYNC },
		{ "verify",	  no_argument,	     NULL, OPT_VERIFY },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ "version",	  no_argument,	     NULL, 'V' },
	};
	struct dm_error err;
	int ch, idx, i, base;

	/* The override options follow the fixed ones in the table. */
	for (base = 0; longopts[base].name != NULL &&
	    longopts[base].val != OPT_OVERRIDE; base++)
		;
	for (i = 0; override_opts[i] != NULL; i++) {
		longopts[base + i].name = override_opts[i];
		longopts[base + i].has_arg = required_argument;
		longopts[base + i].flag = NULL;
		longopts[base + i].val = OPT_OVERRIDE;
	}
	while ((ch = getopt_long(argc, argv, "d:f:l:p:o:n:hV", longopts,
	    &idx)) != -1) {
		switch (ch) {
		case 'd':
			if (strcmp(optarg, "ab") == 0)
				o->dialect = DM_DIALECT_AB;
			else if (strcmp(optarg, "pj") == 0)
				o->dialect = DM_DIALECT_PJ;
			else {
				warnx_usage("invalid dialect '%s' (use ab or "
				    "pj)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			o->format_name = optarg;
			break;
		case 'l':
			if (strcmp(optarg, "load") == 0)
				o->layout = DM_LAYOUT_LOAD;
			else if (strcmp(optarg, "save") == 0)
				o->layout = DM_LAYOUT_SAVE;
			else {
				warnx_usage("invalid layout '%s' (use load or "
				    "save)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			o->profile = optarg;
			break;
		case OPT_SAVE_PROFILE:
			o->save_profile = optarg;
			break;
		case OPT_NO_STATS:
			o->no_stats = 1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'n':
			o->names = optarg;
			break;
		case OPT_DTYPE:
			o->dtype = optarg;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_NO_SYNC:
			o->sync = DM_SYNC_NEVER + 1;
			break;
		case OPT_SYNC:
			o->sync = DM_SYNC_ALWAYS + 1;
			break;
		case OPT_VERIFY:
			o->verify = 1;
			break;
		case OPT_WRAP:
			if (strcmp(optarg, "model") != 0 &&
			    strcmp(optarg, "none") != 0) {
				warnx_usage("invalid --wrap '%s' (use model or "
				    "none)", optarg);
				return EXIT_USAGE;
			}
			o->wrap_model = strcmp(optarg, "model") == 0;
			o->wrap_set = 1;
			break;
		case OPT_OVERRIDE:
			dm_error_clear(&err);
			if (dm_ovr_parse_option(o->cli, longopts[idx].name,
			    optarg, &err) == -1) {
				warnx_usage("%s", err.msg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			version();
			exit(0);
		default:
			fprintf(stderr, "Try '%s --help' for more "
			    "information.\n", progname);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (o->cmd != CMD_INSPECT && (argc != 2 || o->output == NULL)) {
		warnx_usage("%s", argc != 2 ? "CFG and WEIGHTS are needed" :
		    "-o FILE is needed");
		return EXIT_USAGE;
	}
	if (argc < 1 || argc > 2) {
		warnx_usage("%s", argc < 1 ? "missing CFG operand" :
		    "too many operands");
		return EXIT_USAGE;
	}
	if ((o->cmd == CMD_INSPECT || o->cmd == CMD_FIX) &&
	    (o->names != NULL || o->dtype != NULL || o->wrap_set ||
	    o->force || o->sync != 0 || o->verify)) {
		warnx_usage("%s", "--names, --dtype, --wrap, --force, --sync, "
		    "--no-sync and --verify are for convert");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_INSPECT && o->output != NULL) {
		warnx_usage("%s", "-o is for convert and fix");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_FIX && o->save_profile != NULL) {
		warnx_usage("%s", "fix writes its profile to -o, not "
		    "--save-profile");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_INSPECT && o->format_name != NULL) {
		if (strcmp(o->format_name, "text") == 0)
			o->format = DM_REPORT_TEXT;
		else if (strcmp(o->format_name, "tsv") == 0)
			o->format = DM_REPORT_TSV;
		else if (strcmp(o->format_name, "json") == 0)
			o->format = DM_REPORT_JSON;
		else {
			warnx_usage("invalid format '%s' (use text, tsv or "
			    "json)", o->format_name);
			return EXIT_USAGE;
		}
	}
	o->cfg = argv[0];
	o->weights = argc > 1 ? argv[1] : NULL;
	return 0;
}

/* Everything a command works on, set up from the options. */
struct session {
	struct dm_net		*net;
	struct dm_weights	*w;
	struct dm_ovr		*ovr;	/* profile + command-line overrides */
	struct dm_verdict	 v;
};

static void
session_free(struct session *s)
{
	dm_weights_close(s->w);
	dm_net_free(s->net);
	dm_ovr_free(s->ovr);
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/* Merges the command-line overrides into the profile's. */
static int
merge_cli(struct dm_ovr *dst, const struct dm_ovr *cli, struct dm_error *err)
{
	size_t i;

	if (cli->header != DM_UNSET)
		dst->header = cli->header;
	if (cli->transpose != DM_UNSET)
		dst->transpose = cli->transpose;
	if (cli->data_end != DM_UNSET)
		dst->data_end = cli->data_end;
	for (i = 0; i < cli->nlayers; i++) {
		const struct dm_layer_ovr *c = &cli->layers[i];
		struct dm_layer_ovr *l = dm_ovr_layer(dst, c->layer, err);

		if (l == NULL)
			return -1;
		l->absent |= c->absent;
		l->omit |= c->omit;
		l->cutoff |= c->cutoff;
		if (c->offset != DM_UNSET)
			l->offset = c->offset;
		if (c->gap != 0)
			l->gap = c->gap;
		if (c->order != NULL) {
			free(l->order);
			if ((l->order = strdup(c->order)) == NULL)
				return dm_error_set(err, DM_ERR_NOMEM,
				    "out of memory");
		}
	}
	for (i = 0; i < cli->narrays; i++) {
		const struct dm_array_ovr *c = &cli->arrays[i];
		struct dm_array_ovr *a = dm_ovr_array(dst, c->layer, c->name,
		    err);

		if (a == NULL)
			return -1;
		if (c->transpose != DM_UNSET)
			a->transpose = c->transpose;
		if (c->nperm > 0) {
			a->nperm = c->nperm;
			memcpy(a->perm, c->perm, sizeof a->perm);
		}
		if (c->nreshape > 0) {
			a->nreshape = c->nreshape;
			memcpy(a->reshape, c->reshape, sizeof a->reshape);
		}
		if (c->count != DM_UNSET)
			a->count = c->count;
		if (c->rename != NULL) {
			free(a->rename);
			if ((a->rename = strdup(c->rename)) == NULL)
				return dm_error_set(err, DM_ERR_NOMEM,
				    "out of memory");
		}
	}
	return 0;
}

/* Warns on fp when a profile was made for another cfg or weights file. */
static void
check_identity(const struct opts *o, const struct session *s, FILE *fp)
{
	char hash[64];

	if (o->profile == NULL)
		return;
	if (s->ovr->for_cfg != NULL &&
	    strcmp(s->ovr->for_cfg, base_name(o->cfg)) != 0)
		say(fp, "warning: %s was made for the cfg %s, not %s\n",
		    o->profile, s->ovr->for_cfg, base_name(o->cfg));
	if (s->w == NULL)
		return;
	if (s->ovr->for_size != DM_UNSET &&
	    (uint64_t)s->ovr->for_size != s->w->size)
		say(fp, "warning: %s was made for a weights file of %lld "
		    "bytes; %s has %llu\n", o->profile,
		    (long long)s->ovr->for_size, o->weights,
		    (unsigned long long)s->w->size);
	else if (s->ovr->for_hash != NULL) {
		dm_profile_hash(s->w->head, s->w->headlen, hash, sizeof hash);
		if (strcmp(hash, s->ovr->for_hash) != 0)
			say(fp, "warning: %s was made for another weights "
			    "file (its first bytes differ from %s's)\n",
			    o->profile, o->weights);
	}
}

static void
set_identity(struct dm_ovr *ovr, const struct opts *o,
    const struct session *s)
{
	char hash[64];

	free(ovr->for_cfg);
	ovr->for_cfg = strdup(base_name(o->cfg));
	if (s->w != NULL) {
		ovr->for_size = (int64_t)s->w->size;
		dm_profile_hash(s->w->head, s->w->headlen, hash, sizeof hash);
		free(ovr->for_hash);
		ovr->for_hash = strdup(hash);
	}
	if (ovr->dialect == DM_UNSET)
		ovr->dialect = (int)s->net->dialect;
}

/*
 * Says where the overrides behind a refused check or layout came from.  An
 * error about an entry read from the profile names the profile and the
 * line already, and the options when there are any, since they may have
 * moved what the entry is about (a --header, another layer --absent); an
 * entry the options made or changed has no line.
 */
static int
ovr_fail(const struct opts *o, struct dm_error *err)
{
	size_t n = o->profile != NULL ? strlen(o->profile) : 0, len;

	if (n > 0 && strncmp(err->msg, o->profile, n) == 0 &&
	    err->msg[n] == ':' && err->msg[n + 1] >= '1' &&
	    err->msg[n + 1] <= '9') {
		len = strlen(err->msg);
		if (!dm_ovr_empty(o->cli))
			snprintf(err->msg + len, sizeof err->msg - len,
			    " (with the override options)");
		return -1;
	}
	if (!dm_ovr_empty(o->cli) && o->profile != NULL)
		return dm_error_prefix(err, "%s and the override options",
		    o->profile);
	if (o->profile != NULL)
		return dm_error_prefix(err, "%s", o->profile);
	if (!dm_ovr_empty(o->cli))
		return dm_error_prefix(err, "the override options");
	return -1;
}

static int
session_open(const struct opts *o, struct session *s, FILE *warn,
    struct dm_error *err)
{
	unsigned hsize = 20;
	int dialect, layout;

	memset(s, 0, sizeof *s);
	if (o->profile != NULL) {
		if ((s->ovr = dm_profile_read(o->profile, err)) == NULL)
			return -1;
	} else if ((s->ovr = dm_ovr_new()) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (merge_cli(s->ovr, o->cli, err) == -1)
		return -1;
	dialect = o->dialect != DM_UNSET ? o->dialect :
	    s->ovr->dialect != DM_UNSET ? s->ovr->dialect : DM_DIALECT_AB;
	layout = o->layout != DM_UNSET ? o->layout :
	    s->ovr->layout != DM_UNSET ? s->ovr->layout : DM_LAYOUT_LOAD;
	if ((s->net = dm_net_load(o->cfg, dialect, err)) == NULL)
		return -1;
	if (dm_ovr_check(s->ovr, s->net, err) == -1)
		return ovr_fail(o, err);
	if (o->weights != NULL) {
		if ((s->w = dm_weights_open(o->weights, dialect, err)) == NULL)
			return -1;
		if (s->w->is_weights && s->w->has_header)
			hsize = s->w->hdr.size;
	}
	if (s->ovr->header != DM_UNSET)
		hsize = (unsigned)s->ovr->header;
	if (dm_net_layout_ovr(s->net, hsize, layout, s->w != NULL &&
	    s->w->has_header ? s->w->hdr.transpose : 0, s->ovr, err) == -1)
		return ovr_fail(o, err);
	check_identity(o, s, warn);
	dm_verdict_compute(s->net, s->w, &s->v);
	return 0;
}

static int
save_cli_profile(const struct opts *o, const struct session *s,
    struct dm_error *err)
{
	struct dm_ovr *p;
	int rc;

	if (o->save_profile == NULL)
		return 0;
	if ((p = dm_ovr_new()) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	rc = dm_ovr_copy(p, s->ovr, err);
	if (rc == 0) {
		set_identity(p, o, s);
		/* The options win over the profile, as in the export. */
		if (o->cmd == CMD_CONVERT) {
			if (o->names != NULL) {
				free(p->names);
				p->names = strdup(o->names);
			}
			if (o->dtype != NULL) {
				free(p->dtype);
				p->dtype = strdup(o->dtype);
			}
			if (o->wrap_set) {
				free(p->wrap);
				p->wrap = strdup(o->wrap_model ? "model" :
				    "none");
			}
		}
		rc = dm_profile_write(p, o->save_profile, err);
	}
	dm_ovr_free(p);
	return rc;
}

static int
verdict_exit(const struct dm_verdict *v)
{
	switch (v->kind) {
	case DM_V_NONE:
	case DM_V_EXACT:
		return 0;
	case DM_V_NOT_WEIGHTS:
		return EXIT_INPUT;
	default:
		return EXIT_MISMATCH;
	}
}

static int
fail(struct session *s, struct dm_error *err)
{
	say(stderr, "%s\n", err->msg);
	session_free(s);
	return dm_status_exit(err->code == DM_OK ? DM_ERR_INVALID : err->code);
}

static int
cmd_inspect(const struct opts *o)
{
	struct dm_error err;
	struct session s;
	struct dm_diag d;
	int rc, have_diag = 0;

	dm_error_clear(&err);
	if (session_open(o, &s, stderr, &err) == -1 || save_cli_profile(o, &s,
	    &err) == -1)
		return fail(&s, &err);
	if (s.w != NULL && s.w->is_weights && !o->no_stats &&
	    o->format != DM_REPORT_TSV) {
		if (dm_diagnose(s.net, s.w, s.ovr, 0, &d, &err) == -1)
			return fail(&s, &err);
		have_diag = 1;
	}
	if (dm_report_write(stdout, o->format, s.net, s.w, &s.v,
	    have_diag ? &d : NULL) == -1 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: write error on standard output\n",
		    progname);
		rc = EXIT_INPUT;
	} else
		rc = verdict_exit(&s.v);
	if (s.v.kind == DM_V_NOT_WEIGHTS)
		say(stderr, "%s\n", s.v.message);
	if (have_diag)
		dm_diag_release(&d);
	session_free(&s);
	return rc;
}

/* "a, b, c" and last before the last one: the n names of list. */
static const char *
name_list(char *buf, size_t size, const char *const *list, int n,
    const char *last)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i == 0 ? "" : i == n - 1 ? last : ", ", list[i]);
	return buf;
}

static int
out_format(const char *name, const char *output, enum dm_out_format *f)
{
	const char *dot;
	char list[128];

	if (dm_out_format_parse(name, output, f) == 0)
		return 0;
	if (name == NULL) {
		dot = strrchr(output, '.');
		if (dot == NULL || strchr(dot, '/') != NULL) {
			warnx_usage("cannot tell the format of '%s': give "
			    "--format", output);
			return -1;
		}
		name = dot + 1;
	}
	warnx_usage("unknown output format '%s' (use %s)", name,
	    name_list(list, sizeof list, dm_out_format_names,
	    DM_OUT_NFORMATS, " or "));
	return -1;
}

static void
progress(void *ctx, uint64_t done, uint64_t total)
{
	const char *path = ctx;
	static int last = -1;
	int pct;

	if (total == 0)
		return;
	pct = (int)(done * 100 / total);
	if (pct == last)
		return;
	last = pct;
	fputc('\r', stderr);
	say(stderr, "writing %s %3d%%", path, pct);
	if (done == total)
		fputc('\n', stderr);
}

/* Export settings: the options, else the profile's [export], else defaults. */
static int
export_opts(const struct opts *o, const struct dm_ovr *p,
    struct dm_export_opts *xo)
{
	const char *names = o->names ? o->names : p->names;
	const char *dtype = o->dtype ? o->dtype : p->dtype;
	char list[128];

	memset(xo, 0, sizeof *xo);
	if (out_format(o->format_name, o->output, &xo->format) == -1)
		return -1;
	if (names != NULL && dm_names_parse(names, &xo->names) == -1) {
		warnx_usage("unknown names '%s' (use %s or a {template})",
		    names, name_list(list, sizeof list, dm_names_table,
		    DM_NAMES_TEMPLATE, ", "));
		return -1;
	}
	xo->tmpl = names;
	xo->dtype = DM_DTYPE_F32;
	if (dtype != NULL && strcmp(dtype, "float16") == 0)
		xo->dtype = DM_DTYPE_F16;
	else if (dtype != NULL && strcmp(dtype, "float32") != 0) {
		warnx_usage("invalid --dtype '%s' (use float32 or float16)",
		    dtype);
		return -1;
	}
	if (xo->dtype == DM_DTYPE_F16 && xo->format == DM_OUT_WEIGHTS) {
		warnx_usage("%s", ".weights files hold float32 only");
		return -1;
	}
	xo->wrap_model = o->wrap_set ? o->wrap_model : p->wrap != NULL &&
	    strcmp(p->wrap, "model") == 0;
	xo->force = o->force;
	xo->sync = o->sync != 0 ? (enum dm_sync)(o->sync - 1) :
	    DM_SYNC_REPLACE;
	xo->verify = o->verify;
	if (isatty(STDERR_FILENO)) {
		xo->progress = progress;
		xo->pctx = (void *)o->output;
	}
	return 0;
}

static int
cmd_convert(const struct opts *o)
{
	struct dm_export_opts xo;
	struct dm_error err;
	struct session s;
	struct dm_export *ex;
	const char *inputs[4];
	int rc;

	dm_error_clear(&err);
	if (session_open(o, &s, stderr, &err) == -1)
		return fail(&s, &err);
	if (export_opts(o, s.ovr, &xo) == -1) {
		session_free(&s);
		return EXIT_USAGE;
	}
	if (save_cli_profile(o, &s, &err) == -1)
		return fail(&s, &err);
	if ((ex = dm_export_plan(s.net, s.w, &s.v, &xo, &err)) == NULL)
		return fail(&s, &err);
	if (ex->missing_from >= 0)
		say(stderr, "%s: layers %ld-%zu are not in the file and are "
		    "not exported\n", o->weights, ex->missing_from,
		    s.net->nlayers - 1);
	inputs[0] = o->cfg;
	inputs[1] = o->weights;
	inputs[2] = o->profile;
	inputs[3] = NULL;
	rc = dm_export_write(ex, o->output, inputs, &err);
	dm_export_free(ex);
	if (rc == -1)
		return fail(&s, &err);
	session_free(&s);
	return 0;
}

static int
cmd_fix(const struct opts *o)
{
	struct dm_error err;
	struct session s;
	struct dm_diag d;
	size_t i;
	int rc;

	dm_error_clear(&err);
	if (session_open(o, &s, stderr, &err) == -1)
		return fail(&s, &err);
	if (!s.w->is_weights) {
		say(stderr, "%s\n", s.v.message);
		session_free(&s);
		return EXIT_INPUT;
	}
	if (dm_diagnose(s.net, s.w, s.ovr, 0, &d, &err) == -1)
		return fail(&s, &err);
	printf("verdict  %s: %s\n", dm_verdict_name(s.v.kind), s.v.message);
	if (s.v.kind == DM_V_EXACT && d.first_bad < 0) {
		printf("nothing to repair: the file fits the cfg and its data "
		    "is plausible; no profile written\n");
		dm_diag_release(&d);
		session_free(&s);
		return 0;
	}
	for (i = 0; i < d.nhyps; i++)
		printf("repair   %zu. %s (penalty %.1f)\n", i + 1,
		    d.hyps[i].text, d.hyps[i].penalty);
	if (!d.fit) {
		printf("no repair fits: %s\n", d.summary[0] ? d.summary :
		    "the data is implausible but the sizes agree");
		dm_diag_release(&d);
		session_free(&s);
		return EXIT_MISMATCH;
	}
	set_identity(d.hyps[0].ovr, o, &s);
	if (d.hyps[0].ovr->note == NULL)
		d.hyps[0].ovr->note = strdup(d.hyps[0].text);
	rc = dm_profile_write(d.hyps[0].ovr, o->output, &err);
	if (rc == -1) {
		dm_diag_release(&d);
		return fail(&s, &err);
	}
	printf("fixed    %s\nwrote    %s: apply it with --profile %s\n",
	    d.hyps[0].text, o->output, o->output);
	dm_diag_release(&d);
	session_free(&s);
	return 0;
}

/*
 * Whether to open the interface: no command named, standard input and
 * output are a terminal that curses knows, and nothing asks for the
 * report (a format, --save-profile, --no-stats).
 */
static int
interactive(const struct opts *o)
{
	const char *term = getenv("TERM");

	return !o->explicit_cmd && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO) && term != NULL && term[0] != '\0' &&
	    strcmp(term, "dumb") != 0 && o->format_name == NULL &&
	    o->save_profile == NULL && !o->no_stats && tui_probe() == 0;
}

static int
cmd_interface(const struct opts *o)
{
	struct dm_error err;
	struct session s;
	struct dm_vm *vm;
	char dir[4096], *warn = NULL;
	size_t warnlen = 0;
	FILE *wf;
	int rc;

	dm_error_clear(&err);
	if ((wf = open_memstream(&warn, &warnlen)) == NULL)
		wf = stderr;
	rc = session_open(o, &s, wf, &err);
	if (wf != stderr)
		fclose(wf);
	if (rc == -1) {
		if (warn != NULL)
			fputs(warn, stderr);
		free(warn);
		return fail(&s, &err);
	}
	vm = dm_vm_new(s.net, s.w, s.ovr, o->cfg, o->weights, o->profile,
	    dm_vm_autosave_dir(dir, sizeof dir) == 0 ? dir : NULL,
	    DM_VM_ASYNC, &err);
	if (vm == NULL) {
		free(warn);
		say(stderr, "%s\n", err.msg);
		return dm_status_exit(err.code);
	}
	if (warn != NULL && warn[0] != '\0') {
		warn[strcspn(warn, "\n")] = '\0';
		dm_vm_message(vm, 1, "%s", warn + (strncmp(warn, progname,
		    strlen(progname)) == 0 ? strlen(progname) + 2 : 0));
	}
	free(warn);
	rc = tui_run(vm);
	dm_vm_free(vm);
	if (rc == -1) {
		say(stderr, "cannot use the terminal '%s'\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return EXIT_INPUT;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int rc;

	setlocale(LC_CTYPE, "");
	/*
	 * No TZ means the system's local time; saying so explicitly lets the
	 * C library read /etc/localtime once instead of checking it at every
	 * date conversion, one per entry when libzip checks an archive.
	 */
	if (getenv("TZ") == NULL)
		(void)setenv("TZ", ":/etc/localtime", 0);
	memset(&o, 0, sizeof o);
	o.dialect = o.layout = DM_UNSET;
	o.format = DM_REPORT_TEXT;
	if ((o.cli = dm_ovr_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EXIT_INPUT;
	}
	o.explicit_cmd = 1;
	if (argc > 1 && strcmp(argv[1], "inspect") == 0)
		o.cmd = CMD_INSPECT, argc--, argv++;
	else if (argc > 1 && strcmp(argv[1], "convert") == 0)
		o.cmd = CMD_CONVERT, argc--, argv++;
	else if (argc > 1 && strcmp(argv[1], "fix") == 0)
		o.cmd = CMD_FIX, argc--, argv++;
	else
		o.explicit_cmd = 0;
	rc = parse_opts(argc, argv, &o);
	if (rc == 0) {
		switch (o.cmd) {
		case CMD_CONVERT:
			rc = cmd_convert(&o);
			break;
		case CMD_FIX:
			rc = cmd_fix(&o);
			break;
		default:
			/* Without a command: the interface on a terminal. */
			rc = interactive(&o) ? cmd_interface(&o) :
			    cmd_inspect(&o);
			break;
		}
	}
	dm_ovr_free(o.cli);
	return rc;
}
