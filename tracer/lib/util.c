/* Small helpers shared by every layer of the host side (tracer/lib/util.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracer/lib/util.h"

int hs_errf(struct hs_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void hs_ram_path(const char *attach, char *buf, size_t len)
{
	const char *p;

	for (p = attach; *p >= '0' && *p <= '9'; p++)
		;
	if (p != attach && !*p)
		snprintf(buf, len, "/dev/shm/hypscope-%s.ram", attach);
	else
		snprintf(buf, len, "%s", attach);
}

static int verror(const char *cmd, int code, const char *fmt, va_list ap)
{
	char line[8192];

	/* one write, so lines of processes sharing stderr do not interleave */
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "hypscope %s: %s\n", cmd, line);
	return code;
}

int hs_error(const char *cmd, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = verror(cmd, code, fmt, ap);
	va_end(ap);
	return code;
}

int hs_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	int code;

	va_start(ap, fmt);
	code = verror(cmd, HS_EXIT_USAGE, fmt, ap);
	va_end(ap);
	return code;
}

int hs_read_exit(int err)
{
	return err == -ENOMEM || err == -EIO ? HS_EXIT_ENV : HS_EXIT_USAGE;
}

bool hs_parse_double(const char *s, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out >= min && *out <= max;
}

int hs_self_dir(char *buf, size_t len, struct hs_err *err)
{
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", buf, len - 1);
	if (n < 0)
		return hs_errf(err, -errno, "cannot read /proc/self/exe: %s (is /proc mounted?)",
			       strerror(errno));
	if ((size_t)n >= len - 1)
		return hs_errf(err, -ENAMETOOLONG, "the path of the hypscope binary is too long");
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return hs_errf(err, -EINVAL, "/proc/self/exe is not an absolute path: '%s'", buf);
	if (slash == buf)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

double hs_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
