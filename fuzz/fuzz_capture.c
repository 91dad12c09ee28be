/* libFuzzer target: captures as `ike-conform decode` reads them
 * (harness/report/capture.c): a pcap or pcapng file (any supported link
 * type, VLAN tags, IPv4 and IPv6 with extension headers, fragments put
 * back together, the NAT-T marker) or a raw datagram, then each ISAKMP
 * datagram found through the codec and printed.
 *
 * The input is the file's bytes; libpcap reads it from a memfd by its
 * /proc/self/fd path, as capture_read_any would read a file. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "report/capture.h"
#include "wire/msg.h"

static FILE *devnull;
static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	fd = memfd_create("fuzz-capture", 0);
	if (!devnull || fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct capture c;
	char err[512];
	if (!capture_read_any(path, &c, err, sizeof(err)))
		return 0;
	for (size_t i = 0; i < c.count; i++) {
		char buf[128];
		capture_addr_str(&c.dgrams[i].src, buf, sizeof(buf));
		capture_addr_str(&c.dgrams[i].dst, buf, sizeof(buf));
		struct wire_msg *m = NULL;
		struct wire_err we;
		wire_parse(c.dgrams[i].data.ptr, c.dgrams[i].data.len, &m, &we);
		if (m)
			wire_print(devnull, m, 0);
		wire_msg_free(m);
	}
	capture_free(&c);
	return 0;
}
