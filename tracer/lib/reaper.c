/* The reaper: cleans up after a hypscope run that died. See reaper.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer/lib/reaper.h"

#define REAPER_MAX_ITEMS 16
#define REAPER_KILL_WAIT_MS 5000
#define REAPER_LINE_MAX 4200 /* a command letter, a space and a path */

struct reaper {
	int fd;
	pid_t pid;
};

/* ------------------------------------------------------------ the caller's side */

int reaper_start(struct reaper **rp, struct hs_err *err)
{
	struct reaper *r;
	int sv[2], fd, ret;
	pid_t p;

	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return hs_errf(err, -ENOMEM, "out of memory");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		free(r);
		return hs_errf(err, ret, "cannot create a socket pair: %s", strerror(-ret));
	}
	p = fork();
	if (p < 0) {
		ret = -errno;
		close(sv[0]);
		close(sv[1]);
		free(r);
		return hs_errf(err, ret, "cannot fork: %s", strerror(-ret));
	}
	if (p == 0) {
		struct sigaction sa = { .sa_handler = SIG_IGN };
		sigset_t none;

		/*
		 * Terminal and job-control signals are for the run: the reaper
		 * must live until the run is gone. Holding no other descriptor,
		 * it keeps no pipe of the caller's open after the run ends.
		 */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		close(sv[0]);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		if (syscall(SYS_close_range, 4u, ~0u, 0u))
			for (fd = 4; fd < 1024; fd++) /* kernels before 5.9 */
				close(fd);
		prctl(PR_SET_NAME, "hypscope-reaper", 0, 0, 0);
		_exit(reaper_serve(3, REAPER_KILL_WAIT_MS) < 0 ? 1 : 0);
	}
	close(sv[1]);
	r->fd = sv[0];
	r->pid = p;
	*rp = r;
	return 0;
}

static int tell(struct reaper *r, char cmd, const char *arg)
{
	char line[REAPER_LINE_MAX];
	size_t len;
	ssize_t n;
	int m;

	if (!r)
		return 0;
	if (r->fd < 0)
		return -EPIPE;
	m = snprintf(line, sizeof(line), "%c %s\n", cmd, arg);
	if (m < 0 || (size_t)m >= sizeof(line) || strchr(arg, '\n'))
		return -ENAMETOOLONG;
	for (len = (size_t)m; len;) {
		n = send(r->fd, line + (size_t)m - len, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len -= (size_t)n;
	}
	return 0;
}

int reaper_add_file(struct reaper *r, const char *path)
{
	return tell(r, 'f', path);
}

int reaper_add_dir(struct reaper *r, const char *path)
{
	return tell(r, 'd', path);
}

int reaper_add_pid(struct reaper *r, pid_t pid)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return tell(r, 'p', buf);
}

void reaper_disarm(struct reaper *r)
{
	if (!r)
		return;
	tell(r, 'x', "");
	close(r->fd);
	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(r);
}

/* ------------------------------------------------------------ the reaper's side */

struct item {
	char kind;  /* 'f', 'd' or 'p' */
	char *path; /* 'f', 'd' */
	int pidfd;  /* 'p': taken when told, so a reused PID is never killed */
};

static void remove_dir(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int dfd;

	if (d) {
		dfd = dirfd(d);
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dfd, de->d_name, 0);
		}
		closedir(d);
	}
	rmdir(path);
}

static void kill_and_wait(int pidfd, int wait_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0u);
	/* a pidfd turns readable when its process has exited */
	while (poll(&pfd, 1, wait_ms) < 0 && errno == EINTR)
		;
}

static int parse_line(char *line, struct item *it)
{
	long pid;
	char *end;

	memset(it, 0, sizeof(*it));
	it->pidfd = -1;
	if (!line[0] || line[1] != ' ')
		return -EINVAL;
	it->kind = line[0];
	switch (it->kind) {
	case 'f':
	case 'd':
		if (!line[2])
			return -EINVAL;
		it->path = strdup(line + 2);
		return it->path ? 0 : -ENOMEM;
	case 'p':
		errno = 0;
		pid = strtol(line + 2, &end, 10);
		if (errno || *end || pid <= 0 || pid > 0x3fffffff)
			return -EINVAL;
		it->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0u);
		return it->pidfd >= 0 ? 0 : -errno;
	default:
		return -EINVAL;
	}
}

int reaper_serve(int fd, int kill_wait_ms)
{
	struct item items[REAPER_MAX_ITEMS];
	char buf[REAPER_LINE_MAX];
	size_t len = 0, nr = 0, i;
	bool disarmed = false;
	int removed = 0;
	char *nl;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the run is gone (or closed without disarming) */
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (buf[0] == 'x') {
				disarmed = true;
			} else if (nr < REAPER_MAX_ITEMS && !parse_line(buf, &items[nr])) {
				nr++;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* a line too long to be ours: drop it */
	}
	close(fd);

	/* processes first: nothing may recreate a file once it is removed */
	for (i = 0; i < nr; i++) {
		if (items[i].kind == 'p' && !disarmed)
			kill_and_wait(items[i].pidfd, kill_wait_ms);
	}
	for (i = 0; i < nr; i++) {
		if (!disarmed && items[i].kind == 'f' && !unlink(items[i].path))
			removed++;
		if (!disarmed && items[i].kind == 'd') {
			remove_dir(items[i].path);
			removed++;
		}
		if (items[i].pidfd >= 0)
			close(items[i].pidfd);
		free(items[i].path);
	}
	return disarmed ? 0 : removed;
}
