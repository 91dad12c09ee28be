/* esp/xfrm on a host kernel: the ESP probe, and what adding a child does
 * when the kernel refuses it. Traffic through kernel ESP is tested in the
 * kernel lane (tests/kernel/check_kernel.c), where ESP works. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "esp/xfrm.h"
#include "netns/netns.h"
#include "tests.h"

#define XFRM_TEST_NEEDS_ROOT(name)                                                           \
	do {                                                                                 \
		if (geteuid() != 0) {                                                        \
			test_skip(name, "needs root (network namespaces, netlink XFRM)");    \
			return;                                                              \
		}                                                                            \
	} while (0)

static ino_t xfrm_test_netns_ino(void)
{
	struct stat st;
	ck_assert_msg(stat("/proc/self/ns/net", &st) == 0, "/proc/self/ns/net: %s", strerror(errno));
	return st.st_ino;
}

/* A child SA as Quick Mode would leave it: aes128-sha1, tunnel mode,
 * 10.1.0.1/32 <-> 10.2.0.1/32, made-up keys of the right sizes. */
static uint8_t xfrm_test_keys[4][64];

static void xfrm_test_child(struct ike_child *c)
{
	char err[200];
	memset(c, 0, sizeof(*c));
	c->protocol = 3;
	ck_assert_msg(ike_p2_parse("aes128-sha1", &c->xf, err, sizeof(err)), "%s", err);
	memcpy(c->spi_in, "\xc1\x00\x00\x01", 4);
	memcpy(c->spi_out, "\xc2\x00\x00\x02", 4);
	for (int i = 0; i < 4; i++)
		memset(xfrm_test_keys[i], 0x11 * (i + 1), sizeof(xfrm_test_keys[i]));
	c->enc_in = (chunk_t){ xfrm_test_keys[0], ike_esp_enc_len(&c->xf) };
	c->enc_out = (chunk_t){ xfrm_test_keys[1], ike_esp_enc_len(&c->xf) };
	c->int_in = (chunk_t){ xfrm_test_keys[2], ike_esp_int_len(&c->xf) };
	c->int_out = (chunk_t){ xfrm_test_keys[3], ike_esp_int_len(&c->xf) };
	ck_assert(ike_ts_parse("10.1.0.1/32", &c->ts_local, err, sizeof(err)));
	ck_assert(ike_ts_parse("10.2.0.1/32", &c->ts_remote, err, sizeof(err)));
}

/* `ip xfrm OBJ` inside ns: its output (caller frees). */
static char *xfrm_test_ip(const char *ns, const char *obj)
{
	char *argv[] = { "ip", "xfrm", (char *)obj, NULL };
	char err[300], *out = NULL;
	int st = -1;
	ck_assert_msg(netns_exec(ns, argv, NULL, 10000, &out, &st, err, sizeof(err)), "%s", err);
	ck_assert_msg(st == 0, "ip xfrm %s in %s: exit %d\n%s", obj, ns, st, out);
	return out;
}

START_TEST(test_xfrm_probe)
{
	XFRM_TEST_NEEDS_ROOT("xfrm probe");
	ino_t before = xfrm_test_netns_ino();
	char why[800] = "unset";
	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool esp = esp_xfrm_supported(why, sizeof(why));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the probe ran in a forked child's own namespace: ours is unchanged,
	   and the child is reaped (its unnamed namespace went with it) */
	ck_assert_msg(xfrm_test_netns_ino() == before, "the probe changed our network namespace");
	ck_assert_msg(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
		      "the probe left a process behind");
	char why2[800] = "unset";
	ck_assert(esp_xfrm_supported(why2, sizeof(why2)) == esp);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	ck_assert_str_eq(why, why2);
	double first = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	double again = (double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6;
	ck_assert_msg(again < 5, "the second call took %.1f ms: the answer is not cached", again);
	if (esp) {
		ck_assert_str_eq(why, "");
		test_report("xfrm: this kernel takes ESP SAs (probe %.1f ms)", first);
		return;
	}
	ck_assert_msg(strstr(why, "the kernel has no ESP (CONFIG_INET_ESP)"),
		      "the reason does not name the missing ESP support: %s", why);
	ck_assert_msg(strstr(why, "Requested type not found"),
		      "the reason does not carry the kernel's own words: %s", why);
	test_report("xfrm: no kernel ESP here (probe %.1f ms): %s", first, why);
}
END_TEST

START_TEST(test_xfrm_new)
{
	XFRM_TEST_NEEDS_ROOT("xfrm new");
	char err[600] = "";
	struct esp_xfrm *x = esp_xfrm_new(NULL, err, sizeof(err));
	ck_assert_msg(x, "esp_xfrm_new in our namespace: %s", err);
	ck_assert_uint_eq(esp_xfrm_nchild(x), 0);
	struct esp_counters in, out;
	ck_assert(!esp_xfrm_counters(x, 0, &in, &out, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no child 0"), "%s", err);
	esp_xfrm_free(x);
	esp_xfrm_free(NULL);

	char ns[64];
	snprintf(ns, sizeof(ns), "ikectx%d-none", (int)getpid());
	ck_assert(!esp_xfrm_new(ns, err, sizeof(err)));
	ck_assert_msg(strstr(err, ns), "the error does not name the namespace: %s", err);
}
END_TEST

/* Adding a child: with no kernel ESP a clear error naming the namespace,
 * the SPI and the kernel's reason, and nothing left installed; with ESP,
 * the SAs and policies are there until esp_xfrm_free. In a namespace of
 * its own either way: never the host's. */
START_TEST(test_xfrm_add_child)
{
	XFRM_TEST_NEEDS_ROOT("xfrm add child");
	char ns[64], err[600] = "", why[800];
	snprintf(ns, sizeof(ns), "ikectx%d", (int)getpid());
	ck_assert_msg(netns_create(ns, err, sizeof(err)), "%s", err);
	bool esp = esp_xfrm_supported(why, sizeof(why));
	struct esp_xfrm *x = esp_xfrm_new(ns, err, sizeof(err));
	ck_assert_msg(x, "%s", err);

	struct ike_child c;
	xfrm_test_child(&c);
	struct netaddr l, p;
	ck_assert(netaddr_parse("192.0.2.1", 500, &l, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.2", 500, &p, err, sizeof(err)));

	/* refused before the kernel is asked: named, no crash */
	struct ike_child bad = c;
	bad.enc_in.len = 5;
	ck_assert(!esp_xfrm_add_child(x, &bad, &l, &p, err, sizeof(err)));
	ck_assert_msg(strstr(err, ns) && strstr(err, "0xc1000001") && strstr(err, "key sizes"),
		      "%s", err);
	bad = c;
	bad.xf.encap = 7;
	ck_assert(!esp_xfrm_add_child(x, &bad, &l, &p, err, sizeof(err)));
	ck_assert_msg(strstr(err, "encapsulation mode 7"), "%s", err);
	bad = c;
	bad.xf.encap = IKE_ENCAP_UDP_TUNNEL;
	struct netaddr l0 = l;
	l0.port = 0;
	ck_assert(!esp_xfrm_add_child(x, &bad, &l0, &p, err, sizeof(err)));
	ck_assert_msg(strstr(err, "needs both ports"), "%s", err);

	bool ok = esp_xfrm_add_child(x, &c, &l, &p, err, sizeof(err));
	char *sa = xfrm_test_ip(ns, "state"), *sp = xfrm_test_ip(ns, "policy");
	if (!esp) {
		ck_assert_msg(!ok, "a kernel without ESP took the SA");
		/* the outbound SA goes first: its SPI, where, and the kernel's words */
		ck_assert_msg(strstr(err, ns) && strstr(err, "0xc2000002") &&
			      strstr(err, "Requested type not found"),
			      "the error does not name the namespace, the SPI and the kernel's "
			      "reason: %s", err);
		ck_assert_uint_eq(esp_xfrm_nchild(x), 0);
		ck_assert_msg(!sa[0] && !sp[0], "left installed after the failure:\n%s\n%s", sa, sp);
		test_report("xfrm: add child without kernel ESP: %s", err);
	} else {
		ck_assert_msg(ok, "%s", err);
		ck_assert_msg(strstr(sa, "spi 0xc1000001") && strstr(sa, "spi 0xc2000002"), "%s", sa);
		ck_assert_msg(strstr(sp, "dir out") && strstr(sp, "dir in") && strstr(sp, "dir fwd"),
			      "%s", sp);
		struct esp_counters in, out;
		ck_assert_msg(esp_xfrm_counters(x, 0, &in, &out, err, sizeof(err)), "%s", err);
		ck_assert_uint_eq(in.packets, 0);
		ck_assert_uint_eq(out.packets, 0);
	}
	free(sa);
	free(sp);
	esp_xfrm_free(x);
	sa = xfrm_test_ip(ns, "state");
	sp = xfrm_test_ip(ns, "policy");
	ck_assert_msg(!sa[0] && !sp[0], "left installed after esp_xfrm_free:\n%s\n%s", sa, sp);
	free(sa);
	free(sp);
	ck_assert_msg(netns_remove(ns, err, sizeof(err)), "%s", err);
}
END_TEST

/* Client IDs into policy prefixes: ranges split into the fewest. */
START_TEST(test_xfrm_ts)
{
	static const struct { const char *ts, *want; } cases[] = {
		{ "10.1.0.1", "10.1.0.1" },
		{ "10.1.2.3/16", "10.1.0.0/16" },
		{ "10.1.0.0-10.1.0.5", "10.1.0.0/30 10.1.0.4/31" },
		{ "10.0.0.1-10.0.0.6", "10.0.0.1 10.0.0.2/31 10.0.0.4/31 10.0.0.6" },
		{ "10.0.0.0-10.0.0.255", "10.0.0.0/24" },
		{ "10.0.0.7-10.0.0.7", "10.0.0.7" },
		{ "0.0.0.0-255.255.255.255", "0.0.0.0/0" },
		{ "2001:db8::-2001:db8::ffff", "2001:db8::/112" },
		{ "2001:db8::1/64", "2001:db8::/64" },
		{ "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0" },
	};
	char err[200], out[300];
	struct netaddr host;
	ck_assert(netaddr_parse("192.0.2.1", 500, &host, err, sizeof(err)));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ike_ts ts;
		ck_assert_msg(ike_ts_parse(cases[i].ts, &ts, err, sizeof(err)), "%s", err);
		ck_assert_msg(esp_xfrm_ts_str(&ts, &host, out, sizeof(out), err, sizeof(err)),
			      "%s: %s", cases[i].ts, err);
		ck_assert_msg(strcmp(out, cases[i].want) == 0, "%s: got \"%s\", want \"%s\"",
			      cases[i].ts, out, cases[i].want);
	}
	struct ike_ts none = { .set = false };
	ck_assert(esp_xfrm_ts_str(&none, &host, out, sizeof(out), err, sizeof(err)));
	ck_assert_str_eq(out, "192.0.2.1");

	static const struct { const char *ts, *why; } bad[] = {
		{ "10.0.0.1-10.0.0.254", "more than 8 prefixes" },   /* 14 of them */
		{ "10.0.0.9-10.0.0.1", "end is before its start" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ike_ts ts;
		ck_assert_msg(ike_ts_parse(bad[i].ts, &ts, err, sizeof(err)), "%s", err);
		ck_assert_msg(!esp_xfrm_ts_str(&ts, &host, out, sizeof(out), err, sizeof(err)),
			      "%s: taken as %s", bad[i].ts, out);
		ck_assert_msg(strstr(err, bad[i].why), "%s: %s", bad[i].ts, err);
	}
	struct ike_ts holes = { .set = true, .type = 4, .len = 8,
				.data = { 10, 0, 0, 0, 255, 0, 255, 0 } };
	ck_assert(!esp_xfrm_ts_str(&holes, &host, out, sizeof(out), err, sizeof(err)));
	ck_assert_msg(strstr(err, "not contiguous"), "%s", err);
}
END_TEST

Suite *suite_xfrm(void)
{
	Suite *s = suite_create("xfrm");
	TCase *tc = tcase_create("xfrm");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_xfrm_ts);
	tcase_add_test(tc, test_xfrm_probe);
	tcase_add_test(tc, test_xfrm_new);
	tcase_add_test(tc, test_xfrm_add_child);
	suite_add_tcase(s, tc);
	return s;
}
