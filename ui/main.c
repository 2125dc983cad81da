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

#include "cmd.h"
#include "diagnose.h"
#include "error.h"
#include "export.h"
#include "net.h"
#include "override.h"
#include "report.h"
#include "session.h"
#include "target_cmd.h"
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
"       %s [-d ab|pj] WEIGHTS   (on a terminal: which cfgs explain it)\n"
"       %s inspect [OPTION]... CFG [WEIGHTS]\n"
"       %s convert [OPTION]... CFG WEIGHTS -o OUT\n"
"       %s fix [OPTION]... CFG WEIGHTS -o PROFILE\n"
"       %s identify [OPTION]... WEIGHTS [CFG|DIR]...\n"
"       %s model [OPTION]... CFG -o MODEL.py\n"
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
"  fix               save the best-scoring repair as a profile (exit 1 when\n"
"                    no repair fits, the best ties with another, or only a\n"
"                    lossy one is left: then --pick N chooses)\n"
"  identify          find the cfgs that explain a weights file, with their\n"
"                    class count; read its conv layers blind with --sketch\n"
"                    (options: --catalog=DIR, --write-cfg=OUT,\n"
"                    --candidate=N, --sketch=OUT.cfg, -d, -f)\n"
"  model             write the network as a PyTorch model that checks itself\n"
"                    against Darknet's output (darkmap model --help)\n"
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
"      --target=FILE         inspect, convert: align to the keys of your own\n"
"                            model (.pt, .safetensors or a keys list) and\n"
"                            convert: write exactly its keys\n"
"      --sync                convert: always wait for the output to reach the\n"
"                            disk before renaming it into place (by default\n"
"                            only when it replaces a file)\n"
"      --no-sync             convert: never wait for the disk\n"
"      --pick=N              fix: apply repair N as inspect lists it\n"
"      --write-cfg=FILE      fix: also write the cfg the repair corrects (a\n"
"                            class-count repair)\n"
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
	    progname, progname, progname, progname);
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
	const char		*target;	/* --target */
	int			 wrap_model;
	int			 wrap_set;	/* --wrap was given */
	int			 force;
	int			 sync;		/* 0, or an enum dm_sync + 1 */
	int			 verify;
	int			 no_stats;
	long			 pick;		/* fix --pick, 1-based; 0 none */
	const char		*write_cfg;	/* fix --write-cfg */
	struct dm_ovr		*cli;		/* overrides given as options */
};

enum {
	OPT_SAVE_PROFILE = 256, OPT_NO_STATS, OPT_DTYPE, OPT_WRAP, OPT_FORCE,
	OPT_NO_SYNC, OPT_SYNC, OPT_VERIFY, OPT_PICK, OPT_WRITE_CFG,
	OPT_TARGET,
	OPT_OVERRIDE
};

/* The options kept as they are given, and the flags: where each goes. */
static const struct {
	int		 ch;
	size_t		 off;
	int		 flag;	/* an int set to 1, else the argument */
} plain_opts[] = {
	{ 'f',			offsetof(struct opts, format_name),	0 },
	{ 'p',			offsetof(struct opts, profile),		0 },
	{ 'o',			offsetof(struct opts, output),		0 },
	{ 'n',			offsetof(struct opts, names),		0 },
	{ OPT_SAVE_PROFILE,	offsetof(struct opts, save_profile),	0 },
	{ OPT_DTYPE,		offsetof(struct opts, dtype),		0 },
	{ OPT_WRITE_CFG,	offsetof(struct opts, write_cfg),	0 },
	{ OPT_TARGET,		offsetof(struct opts, target),		0 },
	{ OPT_NO_STATS,		offsetof(struct opts, no_stats),	1 },
	{ OPT_FORCE,		offsetof(struct opts, force),		1 },
	{ OPT_VERIFY,		offsetof(struct opts, verify),		1 },
};

/* Stores option ch of plain_opts in o: 1 when it is one of them. */
static int
plain_opt(struct opts *o, int ch)
{
	size_t i;

	for (i = 0; i < sizeof plain_opts / sizeof plain_opts[0]; i++) {
		if (plain_opts[i].ch != ch)
			continue;
		if (plain_opts[i].flag)
			*(int *)(void *)((char *)o + plain_opts[i].off) = 1;
		else
			*(const char **)(void *)((char *)o +
			    plain_opts[i].off) = optarg;
		return 1;
	}
	return 0;
}

/* --target: the key names, dtype and nesting come from the target. */
static int
check_target_opts(const struct opts *o)
{
	enum dm_out_format f;

	if (o->target == NULL)
		return 0;
	if (o->cmd == CMD_CONVERT && dm_out_format_parse(o->format_name,
	    o->output, &f) == 0 && f == DM_OUT_WEIGHTS) {
		warnx_usage("%s", "--target writes a .pt, .safetensors or "
		    ".npz, not Darknet weights");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_FIX) {
		warnx_usage("%s", "--target is for inspect and convert");
		return EXIT_USAGE;
	}
	if (o->names != NULL || o->dtype != NULL || o->wrap_set) {
		warnx_usage("%s", "--names, --dtype and --wrap cannot be "
		    "given with --target, whose keys, dtypes and nesting are "
		    "written");
		return EXIT_USAGE;
	}
	if (o->cmd == CMD_INSPECT && o->format == DM_REPORT_TSV) {
		warnx_usage("%s", "--target gives text or json, not tsv");
		return EXIT_USAGE;
	}
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		CMD_PAIR_OPTIONS,
		{ "format",	  required_argument, NULL, 'f' },
		{ "save-profile", required_argument, NULL, OPT_SAVE_PROFILE },
		{ "no-stats",	  no_argument,	     NULL, OPT_NO_STATS },
		{ "names",	  required_argument, NULL, 'n' },
		{ "dtype",	  required_argument, NULL, OPT_DTYPE },
		{ "wrap",	  required_argument, NULL, OPT_WRAP },
		{ "force",	  no_argument,	     NULL, OPT_FORCE },
		{ "no-sync",	  no_argument,	     NULL, OPT_NO_SYNC },
		{ "sync",	  no_argument,	     NULL, OPT_SYNC },
		{ "verify",	  no_argument,	     NULL, OPT_VERIFY },
		{ "pick",	  required_argument, NULL, OPT_PICK },
		{ "write-cfg",	  required_argument, NULL, OPT_WRITE_CFG },
		{ "target",	  required_argument, NULL, OPT_TARGET },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ "version",	  no_argument,	     NULL, 'V' },
		CMD_OVERRIDE_OPTIONS(OPT_OVERRIDE),
		{ NULL,		  0,		     NULL, 0 }
	};
	struct dm_error err;
	int ch, idx;

	while ((ch = getopt_long(argc, argv, "d:f:l:p:o:n:hV", longopts,
	    &idx)) != -1) {
		if (plain_opt(o, ch))
			continue;
		switch (ch) {
		case 'd':
		case 'l':
			dm_error_clear(&err);
			if ((*(ch == 'd' ? &o->dialect : &o->layout) =
			    dm_ovr_choice(ch == 'd' ? "dialect" : "layout",
			    optarg, &err)) == -1) {
				warnx_usage("%s", err.msg);
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_SYNC:
			o->sync = DM_SYNC_NEVER + 1;
			break;
		case OPT_SYNC:
			o->sync = DM_SYNC_ALWAYS + 1;
			break;
		case OPT_PICK:
			if (!dm_atoi_whole(optarg) || optarg[0] == '-' ||
			    (o->pick = dm_atoi_clamp(optarg)) < 1) {
				warnx_usage("invalid --pick '%s' (use the number "
				    "of a repair, from 1)", optarg);
				return EXIT_USAGE;
			}
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
	if (o->cmd != CMD_FIX && (o->pick != 0 || o->write_cfg != NULL)) {
		warnx_usage("%s", "--pick and --write-cfg are for fix");
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
	return check_target_opts(o);
}

/* Opens the session the options describe; NULL after saying why. */
static struct dm_session *
open_session(const struct opts *o, unsigned flags, struct dm_error *err)
{
	struct dm_session_opts so;
	char dir[4096];

	memset(&so, 0, sizeof so);
	so.cfg = o->cfg;
	so.weights = o->weights;
	so.profile = o->profile;
	so.cli = o->cli;
	so.dialect = o->dialect;
	so.layout = o->layout;
	so.flags = flags;
	if ((flags & DM_SESSION_ASYNC) &&
	    dm_session_autosave_dir(dir, sizeof dir) == 0)
		so.autosave_dir = dir;
	return dm_session_open(&so, err);
}

/* Prints the warnings due as the session opened. */
static void
print_notes(const struct dm_session *s)
{
	size_t i;

	for (i = 0; i < dm_session_nnotes(s); i++)
		say(stderr, "%s\n", dm_session_note(s, i));
}

static int
save_cli_profile(const struct opts *o, const struct dm_session *s,
    struct dm_error *err)
{
	struct dm_ovr *extra;
	int rc = 0;

	if (o->save_profile == NULL)
		return 0;
	if ((extra = dm_ovr_new()) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	/* The options win over the profile, as in the export. */
	if (o->cmd == CMD_CONVERT) {
		if (o->names != NULL && (extra->names = strdup(o->names)) ==
		    NULL)
			rc = -1;
		if (o->dtype != NULL && (extra->dtype = strdup(o->dtype)) ==
		    NULL)
			rc = -1;
		if (o->wrap_set && (extra->wrap = strdup(o->wrap_model ?
		    "model" : "none")) == NULL)
			rc = -1;
	}
	target_record(extra);
	if (rc == -1)
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	else
		rc = dm_session_write_profile(s, NULL, o->save_profile, extra,
		    err);
	dm_ovr_free(extra);
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
fail(struct dm_session *s, struct dm_error *err)
{
	say(stderr, "%s\n", err->msg);
	dm_session_free(s);
	return dm_status_exit(err->code == DM_OK ? DM_ERR_INVALID : err->code);
}

/*
 * Opens the session of inspect, convert or fix and prints its warnings;
 * NULL after saying why, with *status the exit status.
 */
static struct dm_session *
open_cmd_session(const struct opts *o, int *status)
{
	struct dm_session *s;
	struct dm_error err;

	*status = EXIT_INPUT;
	if (cmd_identify_hint(o->cfg, o->weights))
		return NULL;
	dm_error_clear(&err);
	if ((s = open_session(o, 0, &err)) == NULL) {
		*status = fail(NULL, &err);
		return NULL;
	}
	print_notes(s);
	return s;
}

/* Loads --target, if given, against the session's profile. */
static int
open_target(const struct opts *o, const struct dm_session *s,
    struct dm_error *err)
{
	if (o->target == NULL)
		return 0;
	return target_open(o->target, dm_session_ovr(s), o->profile, stderr,
	    err);
}

/*
 * The alignment to --target, after the report (text) or alone (json);
 * the exit status is rc's, or 1 when the target does not fit.
 */
static int
inspect_target(const struct opts *o, struct dm_session *s, int rc)
{
	struct dm_error err;
	int t;

	dm_error_clear(&err);
	if (o->format != DM_REPORT_JSON)
		putchar('\n');
	if ((t = target_inspect(stdout, o->format == DM_REPORT_JSON,
	    dm_session_net(s), &err)) == -1 || fflush(stdout) == EOF)
		return fail(s, &err);
	dm_session_free(s);
	return rc != 0 ? rc : t != 0 ? EXIT_MISMATCH : 0;
}

static int
cmd_inspect(const struct opts *o)
{
	const struct dm_weights *w;
	const struct dm_verdict *v;
	struct dm_session *s;
	struct dm_error err;
	int rc;

	dm_error_clear(&err);
	if ((s = open_cmd_session(o, &rc)) == NULL)
		return rc;
	if (open_target(o, s, &err) == -1 || save_cli_profile(o, s, &err) == -1)
		return fail(s, &err);
	if (o->target != NULL && o->format == DM_REPORT_JSON)
		return inspect_target(o, s, 0);
	w = dm_session_weights(s);
	if (w != NULL && w->is_weights && !o->no_stats &&
	    o->format != DM_REPORT_TSV && dm_session_diagnose(s, &err) == -1)
		return fail(s, &err);
	v = dm_session_verdict(s);
	if (dm_report_write(stdout, o->format, dm_session_net(s), w, v,
	    dm_session_diag(s)) == -1 || fflush(stdout) == EOF) {
		fprintf(stderr, "%s: write error on standard output\n",
		    progname);
		rc = EXIT_INPUT;
	} else
		rc = verdict_exit(v);
	if (v->kind == DM_V_NOT_WEIGHTS)
		say(stderr, "%s\n", v->message);
	if (o->target != NULL && rc != EXIT_INPUT)
		return inspect_target(o, s, rc);
	dm_session_free(s);
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
	if (o->target != NULL) {	/* the target's keys and dtypes */
		xo->names = DM_NAMES_DARKMAP;
		dtype = NULL;
	}
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
	xo->wrap_model = o->target == NULL && (o->wrap_set ? o->wrap_model :
	    p->wrap != NULL && strcmp(p->wrap, "model") == 0);
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

/*
 * convert --force: one warning for each layer whose data reads
 * implausibly where the file lies (naming its first bad array), and
 * their count.
 */
static int
force_warnings(struct dm_session *s, struct dm_error *err)
{
	const struct dm_net *net = dm_session_net(s);
	const struct dm_diag *d;
	size_t li, j, n = 0;

	if (dm_session_diagnose(s, err) == -1)
		return -1;
	d = dm_session_diag(s);
	for (li = 0; li < net->nlayers; li++) {
		const struct dm_layer *l = &net->layers[li];

		if (d->layer_level[li] != DM_LEVEL_BAD)
			continue;
		for (j = l->first_array; j < l->first_array + l->narrays &&
		    d->ck[j].level != DM_LEVEL_BAD; j++)
			;
		if (j == l->first_array + l->narrays)
			continue;
		say(stderr, "warning: layer %zu (%s) reads implausibly: "
		    "%s: %s\n", li, dm_ltype_name(l->type),
		    net->arrays[j].name, d->ck[j].note);
		n++;
	}
	if (n > 0)
		say(stderr, "warning: %zu layer%s read%s implausibly and %s "
		    "exported as read; 'darkmap fix' looks for the change "
		    "that explains %s\n", n, n == 1 ? "" : "s",
		    n == 1 ? "s" : "", n == 1 ? "is" : "are",
		    n == 1 ? "it" : "them");
	return 0;
}

static int
cmd_convert(const struct opts *o)
{
	struct dm_export_opts xo;
	struct dm_session *s;
	struct dm_error err;
	struct dm_export *ex;
	size_t i;
	int rc;

	dm_error_clear(&err);
	if ((s = open_cmd_session(o, &rc)) == NULL)
		return rc;
	if (open_target(o, s, &err) == -1)
		return fail(s, &err);
	if (export_opts(o, dm_session_ovr(s), &xo) == -1) {
		dm_session_free(s);
		return EXIT_USAGE;
	}
	if (save_cli_profile(o, s, &err) == -1)
		return fail(s, &err);
	if (o->force && dm_session_weights(s)->is_weights &&
	    force_warnings(s, &err) == -1)
		return fail(s, &err);
	if ((ex = dm_session_plan(s, &xo, &err)) == NULL)
		return fail(s, &err);
	if (o->target != NULL && target_convert(ex, o->force, stderr,
	    &err) == -1) {
		dm_export_free(ex);
		return fail(s, &err);
	}
	if (ex->missing_from >= 0)
		say(stderr, "%s: layers %ld-%zu are not in the file and are "
		    "not exported\n", o->weights, ex->missing_from,
		    dm_session_net(s)->nlayers - 1);
	if (ex->nmissing > 0) {
		say(stderr, "warning: the export lacks %zu tensor%s of the "
		    "cfg's state_dict (absent, omitted or missing layers): a "
		    "strict load_state_dict() will fail on %s; load with "
		    "strict=False to keep the rest:\n", ex->nmissing,
		    ex->nmissing == 1 ? "" : "s", ex->nmissing == 1 ? "it" :
		    "them");
		for (i = 0; i < ex->nmissing; i++) {
			fputs("  ", stderr);
			dm_fputs_printable(stderr, ex->missing[i]);
			putc('\n', stderr);
		}
	}
	rc = dm_session_export(s, ex, o->output, &err);
	dm_export_free(ex);
	if (rc == -1)
		return fail(s, &err);
	dm_session_free(s);
	return 0;
}

/*
 * Which repair fix applies: --pick's, or the best when it fits, is not
 * lossy and ties with none; -1 (with the reason printed) otherwise, -2
 * when --pick names no repair.
 */
static long
fix_choice(const struct opts *o, const struct dm_diag *d)
{
	char who[128];

	if (o->pick != 0) {
		if ((size_t)o->pick > d->nhyps) {
			say(stderr, "--pick %ld: there %s %zu repair%s\n",
			    o->pick, d->nhyps == 1 ? "is" : "are", d->nhyps,
			    d->nhyps == 1 ? "" : "s");
			return -2;
		}
		return o->pick - 1;
	}
	if (d->ambiguous) {
		dm_diag_tied(d, 0, who, sizeof who);
		printf("ambiguous %s: the data cannot tell them apart (%s)\n",
		    who, d->tie_note);
		printf("no profile written: choose one with --pick N\n");
		return -1;
	}
	if (!d->fit) {
		printf("no repair fits: %s\n", d->summary[0] ? d->summary :
		    "the data is implausible but the sizes agree");
		return -1;
	}
	return 0;
}

static int
cmd_fix(const struct opts *o)
{
	const struct dm_verdict *v;
	const struct dm_diag *d;
	const struct dm_hyp *h;
	struct dm_session *s;
	struct dm_error err;
	struct dm_ovr *best = NULL;
	long k;
	int rc;

	dm_error_clear(&err);
	if ((s = open_cmd_session(o, &rc)) == NULL)
		return rc;
	v = dm_session_verdict(s);
	if (!dm_session_weights(s)->is_weights) {
		say(stderr, "%s\n", v->message);
		dm_session_free(s);
		return EXIT_INPUT;
	}
	if (dm_session_diagnose(s, &err) == -1)
		return fail(s, &err);
	d = dm_session_diag(s);
	printf("verdict  %s: %s\n", dm_verdict_name(v->kind), v->message);
	if (v->kind == DM_V_EXACT && d->first_bad < 0 && d->nhyps == 0) {
		printf("nothing to repair: the file fits the cfg and its data "
		    "is plausible; no profile written\n");
		dm_session_free(s);
		return o->pick != 0 || o->write_cfg != NULL ? EXIT_MISMATCH : 0;
	}
	dm_diag_print_repairs(stdout, d);
	rc = EXIT_MISMATCH;
	if ((k = fix_choice(o, d)) < 0) {
		rc = k == -2 ? EXIT_USAGE : EXIT_MISMATCH;
		goto out;
	}
	h = &d->hyps[k];
	if (o->write_cfg != NULL && !dm_hyp_changes_cfg(h)) {
		say(stderr, "--write-cfg: repair %ld changes nothing in the "
		    "cfg; nothing written\n", k + 1);
		goto out;
	}
	if (h->penalty >= DM_FIT_PENALTY)
		say(stderr, "warning: repair %ld reads implausibly (penalty "
		    "%.1f)\n", k + 1, h->penalty);
	if (h->lossy)
		say(stderr, "warning: repair %ld loses data: %s\n", k + 1,
		    h->text);
	if ((best = dm_ovr_dup(h->ovr)) == NULL ||
	    (best->note == NULL && (best->note = strdup(h->text)) == NULL)) {
		dm_ovr_free(best);
		dm_error_set(&err, DM_ERR_NOMEM, "out of memory");
		return fail(s, &err);
	}
	rc = dm_session_write_profile(s, best, o->output, NULL, &err);
	dm_ovr_free(best);
	if (rc == -1 || (o->write_cfg != NULL &&
	    dm_hyp_write_cfg(dm_session_net(s), h, o->write_cfg, &err) == -1))
		return fail(s, &err);
	printf("fixed    %s\nwrote    %s: apply it with --profile %s\n",
	    h->text, o->output, o->output);
	if (o->write_cfg != NULL)
		printf("wrote    %s: the cfg with the repair made, which fits "
		    "the weights as they are\n", o->write_cfg);
	rc = 0;
out:
	dm_session_free(s);
	return rc;
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

/* The first warning of the session, escaped, for the message line. */
static void
note_message(struct dm_vm *vm, const struct dm_session *s)
{
	const char *note = dm_session_note(s, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if (note == NULL || (fp = open_memstream(&buf, &len)) == NULL)
		return;
	dm_fputs_printable(fp, note);
	if (fclose(fp) == 0 && buf != NULL)
		dm_vm_message(vm, 1, "%s", buf);
	free(buf);
}

/*
 * Runs the interface on vm (taken), the pairs it opens from the identify
 * screen opened as o says; the exit status.
 */
static int
run_interface(struct dm_vm *vm, const struct opts *o)
{
	char dir[4096];
	int rc;

	dm_vm_set_open(vm, DM_SESSION_ASYNC | DM_SESSION_CFG_TEXT,
	    dm_session_autosave_dir(dir, sizeof dir) == 0 ? dir : NULL,
	    o->layout);
	rc = tui_run(vm);
	dm_vm_free(vm);
	if (rc == -1) {
		say(stderr, "cannot use the terminal '%s'\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return EXIT_INPUT;
	}
	return 0;
}

static int
cmd_interface(const struct opts *o)
{
	struct dm_session *s;
	struct dm_error err;
	struct dm_vm *vm;

	dm_error_clear(&err);
	/*
	 * A weights file alone opens the identify screen, which finds its
	 * cfg; with a profile, overrides or a target it needs one.
	 */
	if (o->weights == NULL && o->profile == NULL && o->target == NULL &&
	    dm_ovr_empty(o->cli) && cmd_is_weights(o->cfg)) {
		if ((vm = dm_vm_new_identify(o->cfg, o->dialect == DM_UNSET ?
		    0 : 1u << o->dialect, &err)) == NULL) {
			say(stderr, "%s\n", err.msg);
			return dm_status_exit(err.code);
		}
		return run_interface(vm, o);
	}
	if (cmd_identify_hint(o->cfg, o->weights))
		return EXIT_INPUT;
	if ((s = open_session(o, DM_SESSION_ASYNC | DM_SESSION_CFG_TEXT,
	    &err)) == NULL || open_target(o, s, &err) == -1)
		return fail(s, &err);
	if ((vm = dm_vm_new(s, &err)) == NULL) {
		say(stderr, "%s\n", err.msg);
		return dm_status_exit(err.code);
	}
	target_show(vm);
	note_message(vm, s);
	return run_interface(vm, o);
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
	if (argc > 1 && strcmp(argv[1], "identify") == 0) {
		dm_ovr_free(o.cli);
		return cmd_identify(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "model") == 0) {
		dm_ovr_free(o.cli);
		return cmd_model(argc - 1, argv + 1);
	}
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
	target_close();
	return rc;
}
