/*
 * cmd.h - commands kept in files of their own.
 */
#ifndef DM_CMD_H
#define DM_CMD_H

/* darkmap identify; argv[0] is "identify".  Returns the exit status. */
int	cmd_identify(int argc, char **argv);

/*
 * When path is a weights file, says on stderr that identify finds its
 * cfg and returns 1; else 0, saying nothing.
 */
int	cmd_identify_hint(const char *path);

/*
 * darkmap model (cmd_model.c); argv[0] is "model".  Returns the exit
 * status.
 */
int	cmd_model(int argc, char **argv);

#endif /* DM_CMD_H */
