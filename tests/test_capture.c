/* report/capture: datagrams out of pcaps (with reassembly) and into them. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/capture.h"
#include "tests.h"

/* What each shared capture holds, counted independently with tshark. */
static const struct {
	const char *file;
	size_t isakmp, esp, frames;
	const char *first_src;
} capture_files[] = {
	{ "pcaps/ikev1-certs.pcap", 10, 0, 10, "192.168.12.118:500" },
	{ "pcaps/ipsec-ikev1-isakmp-main-mode.pcap", 9, 0, 9, "192.168.12.1:500" },
	{ "pcaps/ipsec-ikev1-isakmp-aggressive-mode.pcap", 6, 0, 6, "192.168.12.1:500" },
	{ "pcaps/ipsec.cap", 11, 16, 27, "192.168.140.205:500" },
	{ "pcaps/libreswan/weirdike-eastwest.pcap-ike.pcap", 1, 0, 1, "192.1.2.45:55814" },
	{ "pcaps/ipsec-ikev1-zero-length.pcap", 1, 0, 1, "192.168.12.1:500" },
};

START_TEST(test_capture_shared)
{
	const char *path = test_vector_path(capture_files[_i].file);
	if (!path) {
		test_skip(capture_files[_i].file, "../shared/vectors is absent");
		return;
	}
	struct capture c;
	char err[256];
	ck_assert_msg(capture_read_any(path, &c, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(c.count, capture_files[_i].isakmp);
	ck_assert_uint_eq(c.esp, capture_files[_i].esp);
	ck_assert_uint_eq(c.frames, capture_files[_i].frames);
	char a[64];
	ck_assert_str_eq(capture_addr_str(&c.dgrams[0].src, a, sizeof(a)),
			 capture_files[_i].first_src);
	/* Each datagram is a whole ISAKMP message: header length fits. */
	for (size_t i = 0; i < c.count; i++)
		ck_assert_uint_ge(c.dgrams[i].data.len, 28);
	capture_free(&c);
}
END_TEST

static char *capture_tmpname(const char *tag)
{
	char *p = xmalloc(64);
	snprintf(p, 64, "/tmp/ikec-test-%s-%d.pcap", tag, (int)getpid());
	return p;
}

START_TEST(test_capture_write_read)
{
	char *path = capture_tmpname("rw");
	char err[256];
	struct capture_writer *w = capture_writer_open(path, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	struct capture_addr a4 = { .family = AF_INET, .port = 500 }, b4 = a4;
	inet_pton(AF_INET, "192.0.2.1", a4.ip);
	inet_pton(AF_INET, "198.51.100.2", b4.ip);
	struct capture_addr a6 = { .family = AF_INET6, .port = 4500 }, b6 = a6;
	inet_pton(AF_INET6, "2001:db8::1", a6.ip);
	inet_pton(AF_INET6, "2001:db8::2", b6.ip);
	uint8_t msg[60];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	struct timeval ts = { 1000, 5 };
	ck_assert(capture_writer_add(w, &ts, &a4, &b4, false, msg, sizeof(msg)));
	ck_assert(capture_writer_add(w, &ts, &b6, &a6, true, msg, 33)); /* odd length */
	ck_assert(!capture_writer_add(w, &ts, &a4, &b6, false, msg, 1)); /* mixed families */
	capture_writer_close(w);

	struct capture c;
	ck_assert_msg(capture_read_any(path, &c, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(c.count, 2);
	ck_assert(chunk_eq(c.dgrams[0].data, CHUNK_FROM(msg, sizeof(msg))));
	ck_assert(!c.dgrams[0].non_esp_marker);
	ck_assert(chunk_eq(c.dgrams[1].data, CHUNK_FROM(msg, 33)));
	ck_assert(c.dgrams[1].non_esp_marker);
	char s[64];
	ck_assert_str_eq(capture_addr_str(&c.dgrams[1].src, s, sizeof(s)), "[2001:db8::2]:4500");
	capture_free(&c);

	/* An independent dissector agrees: checksums right, IP and UDP well formed
	 * (the payload is not ISAKMP, so that dissector is off). */
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s --disable-protocol isakmp -o udp.check_checksum:TRUE "
		 "-o ip.check_checksum:TRUE "
		 "-T fields -e udp.checksum.status -e _ws.malformed 2>/dev/null",
		 path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char line[256];
	int good = 0;
	while (fgets(line, sizeof(line), p)) {
		/* checksum status 1 is "Good" (0 bad, 2 unverified) */
		ck_assert_msg(!strcmp(line, "1\t\n"),
			      "tshark says: %s", line);
		good++;
	}
	int st = pclose(p);
	if (st != 0 && good == 0) {
		test_skip("capture tshark check", "tshark did not run (make deps installs it)");
	} else {
		ck_assert_int_eq(good, 2);
	}
	unlink(path);
	free(path);
}
END_TEST

/* Frames built by hand: fragments in either order, VLAN, ESP and keepalive. */
static void capture_put(pcap_dumper_t *d, const uint8_t *p, size_t len)
{
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };
	pcap_dump((u_char *)d, &h, p);
}

static size_t capture_ip4(uint8_t *f, uint16_t id, uint16_t frag, uint8_t proto,
			  const uint8_t *payload, size_t len)
{
	/* Ethernet with one VLAN tag, then IPv4. */
	memset(f, 0, 18);
	f[12] = 0x81;
	f[16] = 0x08;
	uint8_t *ip = f + 18;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + len) >> 8);
	ip[3] = (uint8_t)(20 + len);
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[9] = proto;
	ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = 1;
	ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 2;
	memcpy(ip + 20, payload, len);
	return 18 + 20 + len;
}

START_TEST(test_capture_reassembly)
{
	char *path = capture_tmpname("frag");
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	ck_assert_ptr_nonnull(d);
	/* One UDP datagram of 8 + 2000 bytes, cut at 1480 and sent last part first. */
	size_t body = 2000;
	uint8_t *udp = xcalloc(1, 8 + body);
	udp[0] = 0x01, udp[1] = 0xf4, udp[2] = 0x01, udp[3] = 0xf4;
	udp[4] = (uint8_t)((8 + body) >> 8);
	udp[5] = (uint8_t)(8 + body);
	for (size_t i = 0; i < body; i++)
		udp[8 + i] = (uint8_t)(i * 7);
	uint8_t frame[2100];
	capture_put(d, frame, capture_ip4(frame, 77, 1480 / 8, 17, udp + 1480, 8 + body - 1480));
	capture_put(d, frame, capture_ip4(frame, 77, 0x2000, 17, udp, 1480));
	/* ESP, a keepalive on 4500 and an ESP-in-UDP packet. */
	uint8_t esp[16] = { 0, 0, 0x10, 0x01 };
	capture_put(d, frame, capture_ip4(frame, 78, 0, 50, esp, sizeof(esp)));
	uint8_t ka[9] = { 0x11, 0x94, 0x11, 0x94, 0, 9, 0, 0, 0xff };
	capture_put(d, frame, capture_ip4(frame, 79, 0, 17, ka, sizeof(ka)));
	uint8_t eu[24] = { 0x11, 0x94, 0x11, 0x94, 0, 24, 0, 0, 0, 0, 0x10, 0x01 };
	capture_put(d, frame, capture_ip4(frame, 80, 0, 17, eu, sizeof(eu)));
	/* A fragment whose partner never comes. */
	capture_put(d, frame, capture_ip4(frame, 81, 0x2000, 17, udp, 8));
	pcap_dump_close(d);
	pcap_close(dead);

	struct capture c;
	char err[256];
	ck_assert_msg(capture_read_pcap(path, &c, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(c.frames, 6);
	ck_assert_uint_eq(c.count, 1);
	ck_assert_uint_eq(c.dgrams[0].frame, 2);
	ck_assert(chunk_eq(c.dgrams[0].data, CHUNK_FROM(udp + 8, body)));
	ck_assert_uint_eq(c.esp, 2);
	ck_assert_uint_eq(c.keepalives, 1);
	ck_assert_uint_eq(c.other, 1);
	capture_free(&c);
	free(udp);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_capture_errors)
{
	struct capture c;
	char err[256];
	ck_assert(!capture_read_any("/nonexistent/x.pcap", &c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.pcap"));
	/* A truncated pcap: the header is there, a record is cut short. */
	char *path = capture_tmpname("trunc");
	const char *src = test_vector_path("pcaps/ikev1-certs.pcap");
	if (!src) {
		test_skip("capture truncated pcap", "../shared/vectors is absent");
		free(path);
		return;
	}
	FILE *in = fopen(src, "rb"), *out = fopen(path, "wb");
	uint8_t buf[100];
	ck_assert_uint_eq(fread(buf, 1, sizeof(buf), in), sizeof(buf));
	fwrite(buf, 1, sizeof(buf), out);
	fclose(in);
	fclose(out);
	ck_assert(!capture_read_any(path, &c, err, sizeof(err)));
	ck_assert_msg(strstr(err, "frame 1") != NULL, "%s", err);
	unlink(path);
	free(path);
}
END_TEST

Suite *suite_capture(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("capture");
	tcase_add_loop_test(tc, test_capture_shared, 0,
			    sizeof(capture_files) / sizeof(capture_files[0]));
	tcase_add_test(tc, test_capture_write_read);
	tcase_add_test(tc, test_capture_reassembly);
	tcase_add_test(tc, test_capture_errors);
	suite_add_tcase(s, tc);
	return s;
}
