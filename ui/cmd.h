/*
 * cmd.h - commands kept in files of their own.
 */
#ifndef DM_CMD_H
#define DM_CMD_H

/*
 * The options that say how a pair is read, alike in every command that
 * opens one (inspect, convert, fix, model and the interface).
 */
#define CMD_PAIR_OPTIONS						\
	{ "dialect",	     required_argument, NULL, 'd' },		\
	{ "layout",	     required_argument, NULL, 'l' },		\
	{ "profile",	     required_argument, NULL, 'p' },		\
	{ "output",	     required_argument, NULL, 'o' }

/*
 * The override options of the profile's keys, --NAME=VALUE, that inspect,
 * convert, fix and model take (darkmap(1)): each is handed to
 * dm_ovr_parse_option() by name.  val is getopt_long()'s value for them
 * all.  One list, so that no command lacks one.
 */
#define CMD_OVERRIDE_OPTIONS(val)					\
	{ "header",	     required_argument, NULL, (val) },		\
	{ "transpose",	     required_argument, NULL, (val) },		\
	{ "data-end",	     required_argument, NULL, (val) },		\
	{ "absent",	     required_argument, NULL, (val) },		\
	{ "omit",	     required_argument, NULL, (val) },		\
	{ "cutoff",	     required_argument, NULL, (val) },		\
	{ "gap",	     required_argument, NULL, (val) },		\
	{ "offset",	     required_argument, NULL, (val) },		\
	{ "order",	     required_argument, NULL, (val) },		\
	{ "count",	     required_argument, NULL, (val) },		\
	{ "transpose-array", required_argument, NULL, (val) },		\
	{ "permute",	     required_argument, NULL, (val) },		\
	{ "reshape",	     required_argument, NULL, (val) },		\
	{ "rename",	     required_argument, NULL, (val) }

/* darkmap identify; argv[0] is "identify".  Returns the exit status. */
int	cmd_identify(int argc, char **argv);

/*
 * When the cfg operand begins as a weights file, says on stderr what it
 * is (a weights file, which identify finds the cfg of; one cut inside its
 * header; operands that look swapped, weights a cfg or NULL) and returns
 * 1; else 0, saying nothing.  The cfg parser's message would only say
 * that the file holds a NUL byte.
 */
int	cmd_identify_hint(const char *cfg, const char *weights);

/* Whether path is a weights file, by its content (its name aside). */
int	cmd_is_weights(const char *path);

/*
 * darkmap model (cmd_model.c); argv[0] is "model".  Returns the exit
 * status.
 */
int	cmd_model(int argc, char **argv);

#endif /* DM_CMD_H */
