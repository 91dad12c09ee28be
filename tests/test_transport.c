/* transport: netaddr, classification, UDP on loopback, the memory hub. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/addr.h"
#include "transport/transport.h"
#include "tests.h"

static struct netaddr addr(const char *s)
{
	struct netaddr a;
	char err[128];
	ck_assert_msg(netaddr_parse(s, 500, &a, err, sizeof(err)), "%s", err);
	return a;
}

/* ---- netaddr ---- */

static const struct {
	const char *in;
	const char *out;     /* printed form, or NULL when parsing fails */
	const char *err;     /* a part of the error text */
} parse_cases[] = {
	{ "192.0.2.1:500", "192.0.2.1:500", NULL },
	{ "192.0.2.1", "192.0.2.1:500", NULL },            /* default port */
	{ "0.0.0.0:0", "0.0.0.0:0", NULL },
	{ "10.1.2.3:65535", "10.1.2.3:65535", NULL },
	{ "[2001:db8::1]:4500", "[2001:db8::1]:4500", NULL },
	{ "[2001:db8::1]", "[2001:db8::1]:500", NULL },
	{ "2001:db8::1", "[2001:db8::1]:500", NULL },
	{ "::1", "[::1]:500", NULL },
	{ "[::]:0", "[::]:0", NULL },
	{ "[::ffff:192.0.2.1]:500", "[::ffff:192.0.2.1]:500", NULL },
	{ "[2001:DB8:0:0::1]:1", "[2001:db8::1]:1", NULL },  /* canonical form */
	{ "", NULL, "empty address" },
	{ "192.0.2.1:65536", NULL, "port '65536'" },
	{ "192.0.2.1:", NULL, "is not a number" },
	{ "192.0.2.1:-1", NULL, "is not a number" },
	{ "192.0.2.1:+5", NULL, "is not a number" },
	{ "192.0.2.1:5x", NULL, "is not a number" },
	{ "192.0.2.256", NULL, "not an IPv4 or IPv6 address" },
	{ "example.com:500", NULL, "not an IPv4 or IPv6 address" },
	{ ":500", NULL, "not an IPv4 or IPv6 address" },
	{ "[2001:db8::1", NULL, "missing ']'" },
	{ "[2001:db8::1]500", NULL, "expected ':port'" },
	{ "[192.0.2.1]:500", NULL, "brackets belong around IPv6" },
	{ "[fe80::1%eth0]:500", NULL, "scoped addresses" },
	{ "[]:500", NULL, "not an IPv4 or IPv6 address" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb", NULL, "too long" },
};

START_TEST(test_netaddr_parse)
{
	struct netaddr a, b;
	char err[128] = "", buf[NETADDR_STRLEN];
	bool ok = netaddr_parse(parse_cases[_i].in, 500, &a, err, sizeof(err));
	if (!parse_cases[_i].out) {
		ck_assert_msg(!ok, "'%s' parsed", parse_cases[_i].in);
		ck_assert_msg(strstr(err, parse_cases[_i].err), "'%s': error '%s'",
			      parse_cases[_i].in, err);
		return;
	}
	ck_assert_msg(ok, "'%s': %s", parse_cases[_i].in, err);
	ck_assert_str_eq(netaddr_str(&a, buf, sizeof(buf)), parse_cases[_i].out);
	/* The printed form parses back to the same address. */
	ck_assert(netaddr_parse(buf, 1, &b, err, sizeof(err)));
	ck_assert(netaddr_eq(&a, &b));
}
END_TEST

START_TEST(test_netaddr_sockaddr)
{
	const char *in[] = { "192.0.2.1:500", "[2001:db8::1]:4500" };
	for (size_t i = 0; i < 2; i++) {
		struct netaddr a = addr(in[i]), b;
		struct sockaddr_storage ss;
		socklen_t sl = netaddr_to_sockaddr(&a, &ss);
		ck_assert_uint_eq(sl, i ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		ck_assert(netaddr_from_sockaddr((struct sockaddr *)&ss, sl, &b));
		ck_assert(netaddr_eq(&a, &b));
		b.port++;
		ck_assert(!netaddr_eq(&a, &b));
		ck_assert(netaddr_same_host(&a, &b));
	}
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(4500) };
	inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr);
	struct netaddr c;
	ck_assert(netaddr_from_sockaddr((struct sockaddr *)&sin, sizeof(sin), &c));
	struct netaddr d = addr("198.51.100.7:4500");
	ck_assert(netaddr_eq(&c, &d));
	/* Short lengths and other families are refused. */
	ck_assert(!netaddr_from_sockaddr((struct sockaddr *)&sin, 4, &c));
	struct sockaddr un = { .sa_family = AF_UNIX };
	ck_assert(!netaddr_from_sockaddr(&un, sizeof(un), &c));
	/* Same bytes, different family: not the same host. */
	struct netaddr v4 = addr("0.0.0.0"), v6 = addr("::");
	ck_assert(!netaddr_same_host(&v4, &v6));
	struct netaddr none = { 0 };
	struct sockaddr_storage ss;
	char buf[NETADDR_STRLEN];
	ck_assert_uint_eq(netaddr_to_sockaddr(&none, &ss), 0);
	ck_assert_str_eq(netaddr_str(&none, buf, sizeof(buf)), "(none)");
	ck_assert(!netaddr_same_host(&none, &none));
}
END_TEST

/* ---- classification ---- */

struct classify_case {
	bool natt;
	size_t len;
	uint8_t data[8];
	enum transport_kind kind;
	size_t out_len;      /* bytes handed up */
};

static const struct classify_case classify_cases[] = {
	{ false, 8, { 0, 0, 0, 0, 1, 2, 3, 4 }, TRANSPORT_PKT_IKE, 8 }, /* 500: as is */
	{ false, 1, { 0xff }, TRANSPORT_PKT_IKE, 1 },
	{ true, 8, { 0, 0, 0, 0, 1, 2, 3, 4 }, TRANSPORT_PKT_IKE, 4 },  /* marker */
	{ true, 4, { 0, 0, 0, 0 }, TRANSPORT_PKT_IKE, 0 },
	{ true, 8, { 0, 0, 0x12, 0x34, 0, 0, 0, 1 }, TRANSPORT_PKT_ESP, 8 },
	{ true, 4, { 0, 0, 0, 1 }, TRANSPORT_PKT_ESP, 4 },
	{ true, 1, { 0xff }, TRANSPORT_PKT_KEEPALIVE, 1 },
	{ true, 1, { 0x00 }, TRANSPORT_PKT_RUNT, 1 },
	{ true, 3, { 0, 0, 0 }, TRANSPORT_PKT_RUNT, 3 },
	{ true, 0, { 0 }, TRANSPORT_PKT_RUNT, 0 },
};

START_TEST(test_classify)
{
	const struct classify_case *c = &classify_cases[_i];
	struct transport_pkt p = { 0 };
	transport_classify(c->natt, c->data, c->len, &p);
	ck_assert_msg(p.kind == c->kind, "case %d: %s", _i, transport_kind_name(p.kind));
	ck_assert(p.natt == c->natt);
	ck_assert_uint_eq(p.data.len, c->out_len);
	ck_assert(memcmp(p.data.ptr, c->data + (c->len - c->out_len), c->out_len) == 0);
	transport_pkt_free(&p);
}
END_TEST

/* ---- UDP ---- */

static struct transport *udp_new(const char *local)
{
	struct transport_udp_config cfg = { .local = addr(local), .natt_port = 0 };
	char err[256];
	cfg.local.port = 0; /* kernel-chosen ports never collide */
	struct transport *t = transport_udp_new(&cfg, err, sizeof(err));
	ck_assert_msg(t, "%s", err);
	return t;
}

/* Wait (for real, at most a second) and take one packet. */
static void udp_take(struct transport *t, struct transport_pkt *p)
{
	ck_assert_int_eq(transport_wait(t, 1000), 1);
	ck_assert_msg(transport_recv(t, p) == 1, "%s", transport_error(t));
}

static struct netaddr local_of(struct transport *t, enum transport_port port)
{
	struct netaddr a;
	ck_assert(transport_local(t, port, &a));
	return a;
}

/* Both ports, both ways: the marker goes on at 4500 and comes off again. */
static void udp_exchange(const char *host)
{
	struct transport *a = udp_new(host), *b = udp_new(host);
	const uint8_t msg[] = "ISAKMP-ish bytes";
	struct transport_pkt p;

	for (int port = 0; port < 2; port++) {
		struct netaddr to = local_of(b, (enum transport_port)port);
		struct netaddr from = local_of(a, (enum transport_port)port);
		ck_assert(to.port != 0 && from.port != 0);
		ck_assert_msg(transport_send(a, (enum transport_port)port, &to, msg, sizeof(msg)),
			      "%s", transport_error(a));
		udp_take(b, &p);
		ck_assert(p.kind == TRANSPORT_PKT_IKE);
		ck_assert(p.natt == (port == TRANSPORT_PORT_NATT));
		ck_assert(chunk_eq(p.data, CHUNK_FROM(msg, sizeof(msg))));
		ck_assert(netaddr_eq(&p.src, &from));
		ck_assert(netaddr_eq(&p.dst, &to));
		transport_pkt_free(&p);
		/* And the reply, to where it came from. */
		ck_assert(transport_send(b, (enum transport_port)port, &from, msg, 3));
		udp_take(a, &p);
		ck_assert_uint_eq(p.data.len, 3);
		ck_assert(netaddr_eq(&p.src, &to));
		transport_pkt_free(&p);
	}
	/* From 4500 to 500 the receiver sees the marker: it is on the wire. */
	struct netaddr ike = local_of(b, TRANSPORT_PORT_IKE);
	ck_assert(transport_send(a, TRANSPORT_PORT_NATT, &ike, msg, sizeof(msg)));
	udp_take(b, &p);
	ck_assert(!p.natt && p.kind == TRANSPORT_PKT_IKE);
	ck_assert_uint_eq(p.data.len, sizeof(msg) + 4);
	ck_assert(memcmp(p.data.ptr, "\0\0\0\0", 4) == 0);
	transport_pkt_free(&p);
	ck_assert_int_eq(transport_recv(b, &p), 0);
	transport_free(a);
	transport_free(b);
}

START_TEST(test_udp_exchange_v4)
{
	udp_exchange("127.0.0.1");
}
END_TEST

START_TEST(test_udp_exchange_v6)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool have = fd >= 0 && bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	if (fd >= 0)
		close(fd);
	if (!have) {
		test_skip("transport/udp-v6", "no IPv6 loopback (::1) here");
		return;
	}
	udp_exchange("::1");
}
END_TEST

START_TEST(test_udp_kinds)
{
	struct transport *a = udp_new("127.0.0.1"), *b = udp_new("127.0.0.1");
	struct netaddr natt = local_of(b, TRANSPORT_PORT_NATT);
	const uint8_t esp[] = { 0x00, 0x00, 0x10, 0x01, 0, 0, 0, 7, 0xaa, 0xbb };
	const uint8_t ka[] = { 0xff };
	const uint8_t runt[] = { 0, 0 };
	struct transport_pkt p;

	ck_assert(transport_send_raw(a, TRANSPORT_PORT_NATT, &natt, esp, sizeof(esp)));
	ck_assert(transport_send_raw(a, TRANSPORT_PORT_NATT, &natt, ka, sizeof(ka)));
	ck_assert(transport_send_raw(a, TRANSPORT_PORT_NATT, &natt, runt, sizeof(runt)));
	ck_assert(transport_send(a, TRANSPORT_PORT_NATT, &natt, NULL, 0)); /* marker only */

	udp_take(b, &p);
	ck_assert(p.natt && p.kind == TRANSPORT_PKT_ESP);
	ck_assert(chunk_eq(p.data, CHUNK_FROM(esp, sizeof(esp)))); /* whole, SPI first */
	transport_pkt_free(&p);
	udp_take(b, &p);
	ck_assert(p.kind == TRANSPORT_PKT_KEEPALIVE && p.data.len == 1);
	transport_pkt_free(&p);
	udp_take(b, &p);
	ck_assert(p.kind == TRANSPORT_PKT_RUNT && p.data.len == 2);
	transport_pkt_free(&p);
	udp_take(b, &p);
	ck_assert(p.kind == TRANSPORT_PKT_IKE && p.data.len == 0);
	transport_pkt_free(&p);
	transport_free(a);
	transport_free(b);
}
END_TEST

/* Bound to the wildcard, the transport still says which address was hit. */
START_TEST(test_udp_local_dst)
{
	struct transport *a = udp_new("127.0.0.1"), *b = udp_new("0.0.0.0");
	struct netaddr bl = local_of(b, TRANSPORT_PORT_NATT);
	struct transport_pkt p;
	char buf[NETADDR_STRLEN];
	ck_assert(strncmp(netaddr_str(&bl, buf, sizeof(buf)), "0.0.0.0:", 8) == 0);

	const char *hit[] = { "127.0.0.1", "127.0.0.2" }; /* all of 127/8 is local */
	for (size_t i = 0; i < 2; i++) {
		struct netaddr to = addr(hit[i]);
		to.port = bl.port;
		ck_assert(transport_send(a, TRANSPORT_PORT_NATT, &to, (const uint8_t *)"x", 1));
		udp_take(b, &p);
		ck_assert_msg(netaddr_eq(&p.dst, &to), "dst %s",
			      netaddr_str(&p.dst, buf, sizeof(buf)));
		ck_assert(p.natt && p.kind == TRANSPORT_PKT_IKE);
		transport_pkt_free(&p);
	}
	transport_free(a);
	transport_free(b);
}
END_TEST

START_TEST(test_udp_errors)
{
	char err[256];
	struct transport_udp_config cfg = { .local = addr("198.51.100.1:500"), .natt_port = 4500 };
	ck_assert(!transport_udp_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "198.51.100.1:500") && strstr(err, strerror(EADDRNOTAVAIL)),
		      "%s", err);

	cfg.local = addr("127.0.0.1:4600");
	cfg.natt_port = 4600;
	ck_assert(!transport_udp_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "both 4600"), "%s", err);

	cfg = (struct transport_udp_config){ 0 };
	ck_assert(!transport_udp_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no local address"), "%s", err);

	struct transport *t = udp_new("127.0.0.1");
	struct netaddr v6 = addr("[::1]:500");
	ck_assert(!transport_send(t, TRANSPORT_PORT_IKE, &v6, (const uint8_t *)"x", 1));
	ck_assert_msg(strstr(transport_error(t), "[::1]:500") &&
		      strstr(transport_error(t), "IPv4"), "%s", transport_error(t));
	ck_assert(!transport_send(t, (enum transport_port)7, &v6, (const uint8_t *)"x", 1));
	transport_free(t);
}
END_TEST

START_TEST(test_udp_wait_fd)
{
	struct transport *a = udp_new("127.0.0.1"), *b = udp_new("127.0.0.1");
	struct pollfd pfd = { transport_fd(b), POLLIN, 0 };
	struct transport_pkt p;
	ck_assert_int_ge(pfd.fd, 0);
	ck_assert_int_eq(transport_wait(b, 0), 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	ck_assert_int_eq(transport_recv(b, &p), 0);

	/* One on each port: the fd wakes for either; recv takes both. */
	for (int port = 0; port < 2; port++) {
		struct netaddr to = local_of(b, (enum transport_port)port);
		ck_assert(transport_send(a, (enum transport_port)port, &to, (const uint8_t *)"ab", 2));
	}
	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	int got = 0;
	for (int tries = 0; got < 2 && tries < 100; tries++) {
		if (transport_wait(b, 100) == 1 && transport_recv(b, &p) == 1) {
			got++;
			transport_pkt_free(&p);
		}
	}
	ck_assert_int_eq(got, 2);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	transport_free(a);
	transport_free(b);
}
END_TEST

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_udp_no_fd_leak)
{
	int before = count_fds();
	char err[256];
	for (int i = 0; i < 20; i++)
		transport_free(udp_new(i % 2 ? "127.0.0.1" : "0.0.0.0"));

	/* The second bind fails (a socket without SO_REUSEADDR holds the NAT-T
	 * port): the first socket must be closed, the error must name it. */
	int hold = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	ck_assert(bind(hold, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	ck_assert(getsockname(hold, (struct sockaddr *)&sin, &sl) == 0);
	struct transport_udp_config cfg = { .local = addr("127.0.0.1:0"),
					    .natt_port = ntohs(sin.sin_port) };
	char want[NETADDR_STRLEN];
	snprintf(want, sizeof(want), "127.0.0.1:%u", cfg.natt_port);
	ck_assert(!transport_udp_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, want) && strstr(err, strerror(EADDRINUSE)), "%s", err);
	close(hold);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* ---- memory ---- */

struct mem_pair {
	struct transport_hub *hub;
	struct transport *a, *b;
	struct netaddr a_ike, a_natt, b_ike, b_natt;
};

static void mem_pair(struct mem_pair *m)
{
	char err[256];
	m->hub = transport_hub_new();
	m->a_ike = addr("10.0.0.1:500");
	m->b_ike = addr("[2001:db8::2]:500");
	m->a = transport_mem_new(m->hub, &m->a_ike, 4500, err, sizeof(err));
	ck_assert_msg(m->a, "%s", err);
	m->b = transport_mem_new(m->hub, &m->b_ike, 4500, err, sizeof(err));
	ck_assert_msg(m->b, "%s", err);
	m->a_natt = local_of(m->a, TRANSPORT_PORT_NATT);
	m->b_natt = local_of(m->b, TRANSPORT_PORT_NATT);
	ck_assert_uint_eq(m->b_natt.port, 4500);
}

static void mem_pair_free(struct mem_pair *m)
{
	transport_free(m->a);
	transport_free(m->b);
	transport_hub_free(m->hub);
}

/* Take one packet and check its first byte (each test message has an id). */
static void mem_expect(struct transport *t, uint8_t id, enum transport_kind kind)
{
	struct transport_pkt p;
	ck_assert_int_eq(transport_wait(t, 0), 1);
	ck_assert_int_eq(transport_recv(t, &p), 1);
	ck_assert_msg(p.kind == kind, "kind %s", transport_kind_name(p.kind));
	ck_assert_uint_ge(p.data.len, 1);
	ck_assert_uint_eq(p.data.ptr[0], id);
	transport_pkt_free(&p);
}

START_TEST(test_mem_delivery)
{
	struct mem_pair m;
	struct transport_pkt p;
	mem_pair(&m);
	ck_assert_int_eq(transport_fd(m.a), -1);
	ck_assert_int_eq(transport_wait(m.b, 1000), 0); /* never sleeps */

	for (uint8_t i = 1; i <= 3; i++)
		ck_assert(transport_send(m.a, TRANSPORT_PORT_IKE, &m.b_ike, &i, 1));
	ck_assert(transport_send(m.a, TRANSPORT_PORT_NATT, &m.b_natt, (const uint8_t *)"\x04", 1));
	ck_assert(transport_recv(m.b, &p) == 1);
	ck_assert(p.kind == TRANSPORT_PKT_IKE && !p.natt && p.data.ptr[0] == 1);
	ck_assert(netaddr_eq(&p.src, &m.a_ike) && netaddr_eq(&p.dst, &m.b_ike));
	transport_pkt_free(&p);
	mem_expect(m.b, 2, TRANSPORT_PKT_IKE);
	mem_expect(m.b, 3, TRANSPORT_PKT_IKE);
	ck_assert(transport_recv(m.b, &p) == 1); /* marker stripped at 4500 */
	ck_assert(p.natt && p.kind == TRANSPORT_PKT_IKE && p.data.len == 1);
	ck_assert(netaddr_eq(&p.src, &m.a_natt) && netaddr_eq(&p.dst, &m.b_natt));
	transport_pkt_free(&p);
	ck_assert_int_eq(transport_recv(m.b, &p), 0);
	ck_assert_int_eq(transport_recv(m.a, &p), 0);

	/* Raw sends: keepalive and ESP-in-UDP, classified as over UDP. */
	const uint8_t esp[] = { 0x05, 0, 0, 1, 0, 0, 0, 1 };
	ck_assert(transport_send_raw(m.b, TRANSPORT_PORT_NATT, &m.a_natt, (const uint8_t *)"\xff", 1));
	ck_assert(transport_send_raw(m.b, TRANSPORT_PORT_NATT, &m.a_natt, esp, sizeof(esp)));
	mem_expect(m.a, 0xff, TRANSPORT_PKT_KEEPALIVE);
	mem_expect(m.a, 0x05, TRANSPORT_PKT_ESP);

	struct transport_hub_stats s = transport_hub_stats(m.hub);
	ck_assert_uint_eq(s.sent, 6);
	ck_assert_uint_eq(s.delivered, 6);
	ck_assert_uint_eq(s.dropped_filter + s.dropped_unknown, 0);
	mem_pair_free(&m);
}
END_TEST

/* Drops the 2nd packet, duplicates the 3rd, counts what it saw. */
static enum transport_verdict lossy(void *ctx, const struct transport_pkt *pkt)
{
	int *seen = ctx;
	(void)pkt;
	++*seen;
	return *seen == 2 ? TRANSPORT_DROP : *seen == 3 ? TRANSPORT_DUPLICATE : TRANSPORT_PASS;
}

START_TEST(test_mem_filter)
{
	struct mem_pair m;
	struct transport_pkt p;
	int seen = 0;
	mem_pair(&m);
	transport_hub_set_filter(m.hub, lossy, &seen);
	for (uint8_t i = 1; i <= 4; i++)
		ck_assert(transport_send(m.a, TRANSPORT_PORT_IKE, &m.b_ike, &i, 1));
	mem_expect(m.b, 1, TRANSPORT_PKT_IKE);
	mem_expect(m.b, 3, TRANSPORT_PKT_IKE);
	mem_expect(m.b, 3, TRANSPORT_PKT_IKE);
	mem_expect(m.b, 4, TRANSPORT_PKT_IKE);
	ck_assert_int_eq(transport_recv(m.b, &p), 0);
	ck_assert_int_eq(seen, 4);

	struct transport_hub_stats s = transport_hub_stats(m.hub);
	ck_assert_uint_eq(s.sent, 4);
	ck_assert_uint_eq(s.delivered, 4);
	ck_assert_uint_eq(s.dropped_filter, 1);
	size_t n;
	const struct transport_hub_entry *log = transport_hub_log(m.hub, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert(log[1].verdict == TRANSPORT_DROP && !log[1].delivered);
	ck_assert(log[2].verdict == TRANSPORT_DUPLICATE && log[2].delivered);

	transport_hub_set_filter(m.hub, NULL, NULL); /* back to lossless */
	ck_assert(transport_send(m.a, TRANSPORT_PORT_IKE, &m.b_ike, (const uint8_t *)"\x09", 1));
	mem_expect(m.b, 9, TRANSPORT_PKT_IKE);
	mem_pair_free(&m);
}
END_TEST

START_TEST(test_mem_unknown_and_log)
{
	struct mem_pair m;
	struct transport_pkt p;
	mem_pair(&m);
	struct netaddr nobody = addr("10.0.0.9:500");
	struct netaddr wrong_port = m.b_ike;
	wrong_port.port = 501;

	transport_hub_set_time(m.hub, 100);
	ck_assert(transport_send(m.a, TRANSPORT_PORT_IKE, &nobody, (const uint8_t *)"\x01", 1));
	transport_hub_set_time(m.hub, 250);
	ck_assert(transport_send(m.a, TRANSPORT_PORT_NATT, &wrong_port, (const uint8_t *)"\x02", 1));
	transport_hub_set_time(m.hub, 300);
	ck_assert(transport_send(m.b, TRANSPORT_PORT_NATT, &m.a_natt, (const uint8_t *)"\x03", 1));
	ck_assert_int_eq(transport_recv(m.b, &p), 0);

	struct transport_hub_stats s = transport_hub_stats(m.hub);
	ck_assert_uint_eq(s.sent, 3);
	ck_assert_uint_eq(s.dropped_unknown, 2);
	ck_assert_uint_eq(s.delivered, 1);

	/* The log keeps every packet in order, with time, ends and kind. */
	size_t n;
	const struct transport_hub_entry *log = transport_hub_log(m.hub, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(log[0].time_ms, 100);
	ck_assert(!log[0].delivered && netaddr_eq(&log[0].pkt.dst, &nobody));
	ck_assert(netaddr_eq(&log[0].pkt.src, &m.a_ike));
	ck_assert_uint_eq(log[1].time_ms, 250);
	ck_assert(!log[1].delivered && log[1].pkt.natt); /* unknown: sender's port */
	ck_assert(netaddr_eq(&log[1].pkt.src, &m.a_natt));
	ck_assert_uint_eq(log[2].time_ms, 300);
	ck_assert(log[2].delivered && log[2].pkt.natt && log[2].pkt.kind == TRANSPORT_PKT_IKE);
	ck_assert(chunk_eq(log[2].pkt.data, CHUNK_FROM("\x03", 1)));
	ck_assert(log[2].verdict == TRANSPORT_PASS);
	mem_expect(m.a, 3, TRANSPORT_PKT_IKE);
	/* The log owns its copies: still intact after the receiver took it. */
	ck_assert_uint_eq(log[2].pkt.data.ptr[0], 3);
	mem_pair_free(&m);
}
END_TEST

START_TEST(test_mem_attach)
{
	char err[256];
	struct transport_hub *h = transport_hub_new();
	struct netaddr a = addr("10.0.0.1:500"), b = addr("10.0.0.1:4500");
	struct transport *t = transport_mem_new(h, &a, 4500, err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert(!transport_mem_new(h, &a, 4501, err, sizeof(err)));
	ck_assert_msg(strstr(err, "10.0.0.1:500 is already attached"), "%s", err);
	ck_assert(!transport_mem_new(h, &b, 4600, err, sizeof(err))); /* clashes with NAT-T */
	ck_assert(!transport_mem_new(h, &a, 0, err, sizeof(err)));
	ck_assert(!transport_mem_new(h, &a, 500, err, sizeof(err)));
	ck_assert_msg(strstr(err, "two different non-zero ports"), "%s", err);
	/* Another port on the same host is another endpoint. */
	struct netaddr c = addr("10.0.0.1:501");
	struct transport *u = transport_mem_new(h, &c, 4501, err, sizeof(err));
	ck_assert_msg(u, "%s", err);
	ck_assert(transport_send(t, TRANSPORT_PORT_IKE, &c, (const uint8_t *)"\x07", 1));
	mem_expect(u, 7, TRANSPORT_PKT_IKE);
	/* Freed endpoints detach: their address is free again. */
	transport_free(u);
	u = transport_mem_new(h, &c, 4501, err, sizeof(err));
	ck_assert_msg(u, "%s", err);

	/* A queued packet survives the hub; sends after it fail, saying why. */
	ck_assert(transport_send(t, TRANSPORT_PORT_IKE, &c, (const uint8_t *)"\x08", 1));
	transport_hub_free(h);
	ck_assert(!transport_send(t, TRANSPORT_PORT_IKE, &c, (const uint8_t *)"\x01", 1));
	ck_assert_msg(strstr(transport_error(t), "hub was freed"), "%s", transport_error(t));
	mem_expect(u, 8, TRANSPORT_PKT_IKE);
	transport_free(t);
	transport_free(u);
}
END_TEST

Suite *suite_transport(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("netaddr");
	tcase_add_loop_test(tc, test_netaddr_parse, 0,
			    (int)(sizeof(parse_cases) / sizeof(parse_cases[0])));
	tcase_add_test(tc, test_netaddr_sockaddr);
	tcase_add_loop_test(tc, test_classify, 0,
			    (int)(sizeof(classify_cases) / sizeof(classify_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("udp");
	tcase_add_test(tc, test_udp_exchange_v4);
	tcase_add_test(tc, test_udp_exchange_v6);
	tcase_add_test(tc, test_udp_kinds);
	tcase_add_test(tc, test_udp_local_dst);
	tcase_add_test(tc, test_udp_errors);
	tcase_add_test(tc, test_udp_wait_fd);
	tcase_add_test(tc, test_udp_no_fd_leak);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_test(tc, test_mem_delivery);
	tcase_add_test(tc, test_mem_filter);
	tcase_add_test(tc, test_mem_unknown_and_log);
	tcase_add_test(tc, test_mem_attach);
	suite_add_tcase(s, tc);
	return s;
}
