/*
 * parent.h: the privileged parent. It does no networking and parses nothing from the
 * network: it re-reads the configuration on SIGHUP and sends it to the worker, turns the
 * other signals into messages, writes the worker's log lines to stderr or syslog (and
 * reconnects to syslog when it restarts), and exits when the worker does. Every message
 * from the worker is checked as hostile (imsg.c).
 */
#ifndef DNSFENCE_PARENT_H
#define DNSFENCE_PARENT_H

#include <sys/types.h>
#include <stddef.h>

#include "auditp.h"

struct parent {
	pid_t		 worker;
	int		 fd;		/* our end of the socketpair */
	const char	*path;		/* the configuration file */
	int		 missing_ok;	/* the default file may be absent */
	char *const	*kv;		/* --key value pairs, as given at start */
	size_t		 nkv;
	struct auditp	*audit;		/* the audit log (audit->on = 0: none) */
	int		 ctl;		/* the control socket, listening (-1: none) */
	unsigned long	 watchdog_ms;	/* ping the worker this often (0: no watchdog) */
};

/*
 * The control socket (control-socket @NAME, abstract): dnsfence --stats connects, the parent
 * checks that the peer is root, asks the worker for its counters and writes them back, one
 * "stats GROUP: key=value ..." line each, the audit log's last, then closes. -1 on an error
 * (logged; the daemon runs without it).
 */
int	parent_control_open(const char *name);

/* Block the signals the parent handles (before fork: the worker opens its own signalfd). */
void	parent_signals(void);

/* Run until the worker exits. Returns the exit status for the process. */
int	parent_run(struct parent *);

#endif
