/* Running QEMU as a child process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracer/lib/qemu.h"

#define STOP_GRACE_MS 5000 /* QEMU's time to exit on SIGTERM before SIGKILL */

static void stop_signals(sigset_t *set, bool with_chld)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	if (with_chld)
		sigaddset(set, SIGCHLD);
}

int qemu_block_signals(sigset_t *old)
{
	sigset_t set;

	stop_signals(&set, true);
	if (sigprocmask(SIG_BLOCK, &set, old))
		return -errno;
	return 0;
}

int qemu_interrupted(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;
	int sig;

	stop_signals(&set, false);
	sig = sigtimedwait(&set, NULL, &zero);
	return sig > 0 ? sig : 0;
}

int qemu_spawn(char *const argv[], bool keep_stdin, int out_fd, const sigset_t *child_mask,
	       pid_t *pid, struct hs_err *err)
{
	int pfd[2], child_errno = 0, fd;
	pid_t p, parent = getpid();
	ssize_t n;

	/* the child reports a failed exec through a close-on-exec pipe */
	if (pipe2(pfd, O_CLOEXEC))
		return hs_errf(err, -errno, "cannot create a pipe: %s", strerror(errno));
	p = fork();
	if (p < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return hs_errf(err, -errno, "cannot fork: %s", strerror(errno));
	}
	if (p == 0) {
		close(pfd[0]);
		/* QEMU dies with hypscope, however hypscope dies; if it is gone already, now */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
			goto fail;
		if (getppid() != parent)
			_exit(127);
		sigprocmask(SIG_SETMASK, child_mask, NULL);
		if (!keep_stdin) {
			fd = open("/dev/null", O_RDONLY);
			if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
				goto fail;
			if (fd != STDIN_FILENO)
				close(fd);
		}
		if (out_fd >= 0 &&
		    (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0))
			goto fail;
		execv(argv[0], argv);
fail:
		child_errno = errno;
		if (write(pfd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}

	close(pfd[1]);
	do
		n = read(pfd[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(p, NULL, 0);
		return hs_errf(err, -child_errno, "cannot run %s: %s", argv[0],
			       strerror(child_errno));
	}
	*pid = p;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits for the next signal on @sfd up to @ms milliseconds (-1: forever).
 * Returns the signal number, 0 on timeout, -errno on error.
 */
static int next_signal(int sfd, long long ms)
{
	struct signalfd_siginfo si;
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	int r;

	if (ms > 24ll * 3600 * 1000)
		ms = 24ll * 3600 * 1000;
	r = poll(&pfd, 1, (int)ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	return (int)si.ssi_signo;
}

/* Has @pid exited? Fills @status when it has. */
static bool reaped(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	return r == pid || (r < 0 && errno == ECHILD);
}

/* SIGTERM, a grace period, then SIGKILL; a second stop signal cuts the grace short. */
static void stop(pid_t pid, int sfd, int *status)
{
	long long deadline = now_ms() + STOP_GRACE_MS, left;
	int sig;

	kill(pid, SIGTERM);
	while (!reaped(pid, status)) {
		left = deadline - now_ms();
		if (left <= 0)
			break;
		sig = next_signal(sfd, left);
		if (sig < 0 || sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			break;
	}
	if (reaped(pid, status))
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

bool qemu_running(pid_t pid, int *status)
{
	return !reaped(pid, status);
}

void qemu_stop(pid_t pid, int *status)
{
	long long deadline = now_ms() + STOP_GRACE_MS;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	kill(pid, SIGTERM);
	while (!reaped(pid, status)) {
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return;
		}
		nanosleep(&ts, NULL);
	}
}

#define POLL_INTERVAL_MS 2

int qemu_wait(pid_t pid, unsigned int timeout_s, qemu_poll_fn poll_fn, void *poll_arg,
	      struct qemu_result *res, struct hs_err *err)
{
	long long deadline = timeout_s ? now_ms() + (long long)timeout_s * 1000 : 0, left;
	sigset_t set;
	int sfd, sig;

	memset(res, 0, sizeof(*res));
	stop_signals(&set, true);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &res->status, 0);
		return hs_errf(err, -errno, "cannot create a signalfd: %s", strerror(errno));
	}

	for (;;) {
		if (reaped(pid, &res->status))
			break;
		left = deadline ? deadline - now_ms() : -1;
		if (left < 0 && deadline)
			left = 0;
		if (poll_fn && (left < 0 || left > POLL_INTERVAL_MS))
			left = POLL_INTERVAL_MS;
		sig = next_signal(sfd, left);
		if (poll_fn) {
			int pr = poll_fn(poll_arg);

			if (pr) {
				res->poll_error = pr;
				stop(pid, sfd, &res->status);
				break;
			}
		}
		if (sig == 0 && deadline && now_ms() >= deadline) {
			res->timed_out = true;
			stop(pid, sfd, &res->status);
			break;
		}
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			res->signo = sig;
			stop(pid, sfd, &res->status);
			break;
		}
	}
	close(sfd);
	return 0;
}
