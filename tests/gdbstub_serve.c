/*
 * The GDB protocol engine on a TCP port, over the fake target: a real
 * gdb-multiarch talks to the very engine code the hypervisor runs, with no
 * QEMU in the way. Used by the gdbstub_gdb end-to-end test and to record
 * real gdb sessions for the fuzzer's corpus.
 *
 *   gdbstub_serve [-n CONNECTIONS] [-r RAWFILE] [-t SECONDS] [-v VMS]
 *
 * Listens on 127.0.0.1, a port the kernel picks, printed as "port N" on
 * stdout. Serves CONNECTIONS connections one after another (default 1), then
 * exits; -r appends every byte gdb sent to RAWFILE; -t ends it after SECONDS
 * whatever happens (default 60); -v VMS VM slots of 2 vCPUs (default 2).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/gdbstub_fake.h"

static struct fake f;

static int flush_tx(int fd)
{
	size_t off = 0;

	while (off < f.tx_len) {
		ssize_t n = write(fd, f.tx + off, f.tx_len - off);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	f.tx_len = 0;
	return 0;
}

int main(int argc, char **argv)
{
	int conns = 1, seconds = 60, vms = 2, opt, lfd;
	const char *raw = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	FILE *rawf = NULL;

	while ((opt = getopt(argc, argv, "n:r:t:v:")) != -1) {
		switch (opt) {
		case 'n': conns = atoi(optarg); break;
		case 'r': raw = optarg; break;
		case 't': seconds = atoi(optarg); break;
		case 'v': vms = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: gdbstub_serve [-n CONNECTIONS] [-r RAWFILE] [-t SECONDS] [-v VMS]\n");
			return 2;
		}
	}
	if (conns < 1 || seconds < 1 || vms < 1 || vms > (int)GDB_MAX_VMS) {
		fprintf(stderr, "gdbstub_serve: bad arguments\n");
		return 2;
	}
	alarm((unsigned)seconds);
	if (raw && !(rawf = fopen(raw, "ab"))) {
		perror(raw);
		return 1;
	}
	fake_init(&f, 0);
	f.autorun = true;
	for (int v = 0; v < vms; v++)
		fake_add_vm(&f, (unsigned)v, 2);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("gdbstub_serve: socket");
		return 1;
	}
	printf("port %u\n", ntohs(sa.sin_port));
	fflush(stdout);

	while (conns-- > 0) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("gdbstub_serve: accept");
			return 1;
		}
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			uint8_t buf[4096];
			ssize_t n;

			if (poll(&p, 1, 1000) < 0)
				break;
			if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (rawf)
				fwrite(buf, 1, (size_t)n, rawf);
			gdb_stub_rx(f.stub, buf, (size_t)n);
			/* the "vCPUs" stop at once: events right after the packet */
			fake_deliver(&f);
			if (flush_tx(fd) < 0)
				break;
		}
		gdb_stub_reset(f.stub);
		fake_deliver(&f);
		f.tx_len = 0;
		close(fd);
	}
	if (rawf)
		fclose(rawf);
	close(lfd);
	return 0;
}
