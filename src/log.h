/* log.h: stderr in the foreground, syslog otherwise; never blocks the DNS path. */
#ifndef DNSFENCE_LOG_H
#define DNSFENCE_LOG_H

#include <stdint.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

void	log_init(int foreground, int verbose);
/* The worker: every line goes to the parent over fd (IMSG_LOG), never blocking. */
void	log_to_peer(int fd);
/* The parent: write one finished line (a worker's) to stderr or syslog. */
void	log_raw(int priority, const char *msg);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_reopen(void);
uint64_t log_dropped(void);	/* lines dropped: the socket (syslog, the parent) was full */

void	log_warn(const char *, ...) LOG_FMT(1, 2);	/* appends strerror(errno) */
void	log_warnx(const char *, ...) LOG_FMT(1, 2);
void	log_info(const char *, ...) LOG_FMT(1, 2);
void	log_debug(const char *, ...) LOG_FMT(1, 2);	/* only with -v */
_Noreturn void fatal(const char *, ...) LOG_FMT(1, 2);
_Noreturn void fatalx(const char *, ...) LOG_FMT(1, 2);

#endif
