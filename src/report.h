/*
 * report.h - the inspect report in its three formats.
 *
 * The report functions only write to the stream they are given; the net
 * must have been laid out for the file's header size.
 */
#ifndef DM_REPORT_H
#define DM_REPORT_H

#include <stdio.h>

#include "diagnose.h"
#include "net.h"
#include "verdict.h"
#include "weights.h"

enum dm_report_format {
	DM_REPORT_TEXT,
	DM_REPORT_TSV,
	DM_REPORT_JSON
};

/*
 * w may be NULL (no weights file); v is its verdict; d the diagnosis, or
 * NULL when statistics were not computed.
 */
int	dm_report_write(FILE *fp, enum dm_report_format fmt,
	    const struct dm_net *net, const struct dm_weights *w,
	    const struct dm_verdict *v, const struct dm_diag *d);

/*
 * The "repair   N. text (penalty P; ties with M)" lines of inspect and
 * fix, numbered as fix --pick takes them.
 */
void	dm_diag_print_repairs(FILE *fp, const struct dm_diag *d);

/* "[16, 8, 3, 3]" of an array's current shape, into buf. */
void	dm_shape_format(const struct dm_array *a, char *buf, size_t len);

/*
 * Writes s with its control characters, the line end included, as \xNN:
 * file names and cfg or profile text may hold any byte, and none may drive
 * the terminal or start a line of its own.
 */
void	dm_fputs_printable(FILE *fp, const char *s);

/*
 * s as one word of a command the user may paste into a shell: as is when
 * it is safe, else in single quotes.  An operand (operand != 0) that
 * starts with '-' is written "./-..." so that no option parser takes it
 * for an option (a path that starts with '-' is relative).
 * dm_shell_word follows snprintf: at most len - 1 bytes and a NUL into
 * buf, and returns the length of the whole word.
 */
size_t	dm_shell_word(char *buf, size_t len, const char *s, int operand);
void	dm_fputs_shell_word(FILE *fp, const char *s, int operand);

/* Writes s as a JSON string literal (with quotes). */
void	dm_json_string(FILE *fp, const char *s);

#endif /* DM_REPORT_H */
