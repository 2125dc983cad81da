/*
 * cmd_model.c - `darkmap model': the PyTorch model of a cfg, as one
 * standalone Python file (src/model.c).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "model.h"
#include "net.h"
#include "override.h"
#include "report.h"
#include "session.h"

#define EXIT_USAGE	2

static void
model_usage(FILE *fp)
{
	fputs(
"Usage: darkmap model [OPTION]... CFG -o MODEL.py\n"
"Write the network of a Darknet cfg as one standalone PyTorch file: its\n"
"DarknetModel computes Darknet's inference forward, loads the state_dict\n"
"of `darkmap convert --names darkmap' (strict), and the file checks a\n"
"checkpoint against Darknet's own output:\n"
"  python3 MODEL.py CKPT --compare OUT.bin [--input IN.bin] [--layers DIR]\n"
"\n"
"Options:\n"
"  -d, --dialect=ab|pj       Darknet fork: ab (AlexeyAB, default) or pj\n"
"  -l, --layout=load|save    the layout whose tensors the checkpoint holds\n"
"  -p, --profile=FILE        apply a mapping profile (e.g. a class-count\n"
"                            repair: the model gets the corrected heads)\n"
"  -o, --output=FILE         the Python file to write\n"
"      --sync, --no-sync     as for convert\n"
"  -h, --help                display this help and exit\n"
"\n"
"The override options of convert apply too (see darkmap(1)).\n"
"Exit status: 0 written, 2 usage error, 3 unreadable input or a layer the\n"
"model cannot compute as Darknet does (the message names its cfg line).\n",
	    fp);
}

static void
complain(const char *msg, int usage)
{
	fputs("darkmap: ", stderr);
	dm_fputs_printable(stderr, msg);
	fputc('\n', stderr);
	if (usage)
		fputs("Try 'darkmap model --help' for more information.\n",
		    stderr);
}

enum { OPT_SYNC = 256, OPT_NO_SYNC, OPT_OVR };

int
cmd_model(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_PAIR_OPTIONS,
		{ "sync",	no_argument,	   NULL, OPT_SYNC },
		{ "no-sync",	no_argument,	   NULL, OPT_NO_SYNC },
		{ "help",	no_argument,	   NULL, 'h' },
		CMD_OVERRIDE_OPTIONS(OPT_OVR),
		{ NULL,		0,		   NULL, 0 }
	};
	struct dm_session_opts so;
	enum dm_sync sync = DM_SYNC_REPLACE;
	const char *inputs[3];
	struct dm_session *s;
	struct dm_ovr *cli;
	struct dm_error err;
	const char *output = NULL;
	int ch, idx, rc = 0;
	size_t i;

	dm_error_clear(&err);
	memset(&so, 0, sizeof so);
	so.dialect = so.layout = DM_UNSET;
	if ((cli = dm_ovr_new()) == NULL) {
		complain("out of memory", 0);
		return dm_status_exit(DM_ERR_NOMEM);
	}
	while ((ch = getopt_long(argc, argv, "d:l:p:o:h", longopts,
	    &idx)) != -1) {
		switch (ch) {
		case 'd':
		case 'l':
			if ((*(ch == 'd' ? &so.dialect : &so.layout) =
			    dm_ovr_choice(ch == 'd' ? "dialect" : "layout",
			    optarg, &err)) == -1)
				goto usage_msg;
			break;
		case 'p':
			so.profile = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_SYNC:
			sync = DM_SYNC_ALWAYS;
			break;
		case OPT_NO_SYNC:
			sync = DM_SYNC_NEVER;
			break;
		case OPT_OVR:
			if (dm_ovr_parse_option(cli, longopts[idx].name, optarg,
			    &err) == -1) {
				complain(err.msg, 1);
				dm_ovr_free(cli);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			model_usage(stdout);
			dm_ovr_free(cli);
			return 0;
		default:
			fputs("Try 'darkmap model --help' for more "
			    "information.\n", stderr);
			dm_ovr_free(cli);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || output == NULL) {
		complain(optind >= argc ? "missing CFG operand" :
		    optind < argc - 1 ? "too many operands (the model needs "
		    "the cfg only)" : "-o FILE is needed", 1);
		dm_ovr_free(cli);
		return EXIT_USAGE;
	}
	so.cfg = argv[optind];
	so.cli = cli;
	if ((s = dm_session_open(&so, &err)) == NULL) {
		complain(err.msg, 0);
		dm_ovr_free(cli);
		return dm_status_exit(err.code == DM_OK ? DM_ERR_INVALID :
		    err.code);
	}
	for (i = 0; i < dm_session_nnotes(s); i++)
		complain(dm_session_note(s, i), 0);
	inputs[0] = so.cfg;
	inputs[1] = so.profile;
	inputs[2] = NULL;
	if (dm_model_write(dm_session_net(s), output, inputs, sync,
	    &err) == -1) {
		complain(err.msg, 0);
		rc = dm_status_exit(err.code == DM_OK ? DM_ERR_INVALID :
		    err.code);
	}
	dm_session_free(s);
	dm_ovr_free(cli);
	return rc;
usage_msg:
	complain(err.msg, 1);
	dm_ovr_free(cli);
	return EXIT_USAGE;
}
