/*
 * ctl.h: dnsfence --stats, the caller's side of the control socket (parent.h): connect to the
 * running daemon's abstract socket, check that root holds it, read its counters and print
 * them as a table.
 */
#ifndef DNSFENCE_CTL_H
#define DNSFENCE_CTL_H

#include <stdio.h>

/* Ask the daemon at name ("@NAME"); print to out. Returns the process exit status. */
int	ctl_stats(const char *name, FILE *out);

/*
 * The daemon's "stats GROUP: key=value ..." lines as a table: a line per group, then its
 * counters indented, values right-aligned. A word without '=' is shown as "state". Lines of
 * another shape are printed as they are.
 */
void	ctl_table(const char *text, size_t len, FILE *out);

#endif
