/* The userspace data plane: esp/user.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "esp/user.h"
#include "netns/netns.h"

#define ESP_USER_MAX_CHILD 16
#define ESP_USER_MTU 65536

struct esp_user_child {
	struct esp_sa *in, *out;
	uint8_t spi_in[4];
	uint8_t lo[4], hi[4];          /* the remote selector as an IPv4 range */
	struct netaddr peer;
	bool udp;                      /* ESP in UDP (RFC 3948), else raw ESP */
	/* the hard lifetime (RFC 2407 4.5): seconds from install, kilobytes
	   through the SA in either direction; 0: none */
	uint64_t installed_ms, life_ms, life_bytes;
	bool expired;
	bool retired;                  /* the engine deleted it (or saw it
					  expire): no traffic either way */
	chunk_t last_sent, last_inner;  /* for esp_user_bad */
	chunk_t last_rx;
};

struct esp_user {
	int fd;                        /* the TUN device */
	int raw;                       /* IP protocol 50, for children without UDP */
	int ep;                        /* epoll over both: what the caller polls */
	char ns[64], ifname[IFNAMSIZ];
	struct transport *t;
	struct esp_user_child child[ESP_USER_MAX_CHILD];
	size_t nchild;
	uint64_t unmatched;
	uint64_t expired;              /* packets refused because their SA expired */
	uint64_t retired;              /* ... because the engine deleted it */
	uint8_t buf[ESP_USER_MTU];
};

static bool esp_user_fail(char *err, size_t errlen, const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s", what, why);
	return false;
}

struct esp_user *esp_user_new(const char *ns, const char *ifname, struct transport *t,
			      char *err, size_t errlen)
{
	struct netns_saved saved = { -1 };
	char e2[200];
	if (strlen(ifname) >= IFNAMSIZ)
		return esp_user_fail(err, errlen, ifname, "interface name too long"), NULL;
	if (ns && !netns_enter(ns, &saved, err, errlen))
		return NULL;
	/* the device is made in the namespace this thread is in when
	   TUNSETIFF runs; the fd then works from anywhere */
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	/* raw ESP for peers that do not encapsulate; the socket belongs to
	   the namespace it is made in, like the device */
	int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ESP);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	int r = fd >= 0 && raw >= 0 ? ioctl(fd, TUNSETIFF, &ifr) : -1;
	int saved_errno = errno;
	if (ns && !netns_leave(&saved, e2, sizeof(e2)))
		abort(); /* nothing after this would run where it thinks it does */
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		if (raw >= 0)
			close(raw);
		snprintf(err, errlen, "namespace %s: TUN device %s: %s", ns ? ns : "(ours)", ifname,
			 strerror(saved_errno));
		return NULL;
	}
	if (!netns_link_up(ns, ifname, err, errlen)) {
		close(fd);
		close(raw);
		return NULL;
	}
	struct esp_user *u = xcalloc(1, sizeof(*u));
	u->fd = fd;
	u->raw = raw;
	u->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	if (u->ep < 0 || epoll_ctl(u->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ||
	    epoll_ctl(u->ep, EPOLL_CTL_ADD, raw, &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		esp_user_free(u);
		return NULL;
	}
	u->t = t;
	snprintf(u->ns, sizeof(u->ns), "%s", ns ? ns : "");
	snprintf(u->ifname, sizeof(u->ifname), "%s", ifname);
	return u;
}

static void esp_user_child_free(struct esp_user_child *c)
{
	esp_sa_free(c->in);
	esp_sa_free(c->out);
	chunk_free(&c->last_sent);
	chunk_free(&c->last_inner);
	chunk_free(&c->last_rx);
}

void esp_user_free(struct esp_user *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nchild; i++)
		esp_user_child_free(&u->child[i]);
	close(u->fd);  /* a non-persistent TUN goes with its last fd */
	close(u->raw);
	if (u->ep >= 0)
		close(u->ep);
	free(u);
}

/* An IPv4 selector as a range and as a route ("10.2.0.0/16"); false for
 * what a route cannot say (ranges that are not a prefix, IPv6 for now). */
static bool esp_user_ts(const struct ike_ts *ts, uint8_t lo[4], uint8_t hi[4], char *cidr,
			size_t len)
{
	char a[INET_ADDRSTRLEN];
	unsigned bits = 32;
	if (ts->type == 1 && ts->len == 4) {
		memcpy(lo, ts->data, 4);
		memcpy(hi, ts->data, 4);
	} else if (ts->type == 4 && ts->len == 8) {
		bits = 0;
		for (int i = 0; i < 4; i++) {
			lo[i] = ts->data[i] & ts->data[4 + i];
			hi[i] = (uint8_t)(lo[i] | (uint8_t)~ts->data[4 + i]);
			bits += (unsigned)__builtin_popcount(ts->data[4 + i]);
		}
	} else {
		return false;
	}
	inet_ntop(AF_INET, lo, a, sizeof(a));
	snprintf(cidr, len, "%s/%u", a, bits);
	return true;
}

/* A full table makes room by dropping its oldest dead child (a long-lived
 * peer rekeys forever); false when every child is still live. */
static bool esp_user_make_room(struct esp_user *u)
{
	for (size_t i = 0; i < u->nchild; i++) {
		if (!u->child[i].retired && !u->child[i].expired)
			continue;
		esp_user_child_free(&u->child[i]);
		memmove(&u->child[i], &u->child[i + 1], (u->nchild - i - 1) * sizeof(u->child[0]));
		u->nchild--;
		return true;
	}
	return false;
}

bool esp_user_add_child(struct esp_user *u, const struct ike_child *c,
			const struct netaddr *peer, char *err, size_t errlen)
{
	char cidr[64], e[300];
	if (u->nchild == ESP_USER_MAX_CHILD && !esp_user_make_room(u))
		return esp_user_fail(err, errlen, "esp user", "too many child SAs");
	struct esp_user_child *ch = &u->child[u->nchild];
	memset(ch, 0, sizeof(*ch));
	if (!c->ts_remote.set || !esp_user_ts(&c->ts_remote, ch->lo, ch->hi, cidr, sizeof(cidr)))
		return esp_user_fail(err, errlen, "esp user",
				     "the remote traffic selector must be an IPv4 address or subnet");
	ch->in = esp_sa_new(c->spi_in, &c->xf, c->enc_in, c->int_in, e, sizeof(e));
	ch->out = ch->in ? esp_sa_new(c->spi_out, &c->xf, c->enc_out, c->int_out, e, sizeof(e))
			 : NULL;
	if (!ch->out) {
		esp_sa_free(ch->in);
		return esp_user_fail(err, errlen, "child SA", e);
	}
	memcpy(ch->spi_in, c->spi_in, 4);
	ch->peer = *peer;
	ch->installed_ms = clock_ms();
	ch->life_ms = (uint64_t)c->xf.life_sec * 1000;
	ch->life_bytes = (uint64_t)c->xf.life_kb * 1024;
	ch->udp = ike_encap_is_udp(c->xf.encap);
	/* a second child for the same selector shares the route */
	bool routed = false;
	for (size_t i = 0; i < u->nchild; i++)
		routed |= !memcmp(u->child[i].lo, ch->lo, 4) && !memcmp(u->child[i].hi, ch->hi, 4);
	if (!routed && !netns_route_add(u->ns[0] ? u->ns : NULL, cidr, u->ifname, NULL, err, errlen)) {
		esp_sa_free(ch->in);
		esp_sa_free(ch->out);
		return false;
	}
	u->nchild++;
	return true;
}

int esp_user_fd(const struct esp_user *u)
{
	return u->ep;
}

/* Out through the child's path: the NAT-T socket, or raw ESP. */
static bool esp_user_send(struct esp_user *u, const struct esp_user_child *c, chunk_t pkt)
{
	if (c->udp)
		return transport_send_raw(u->t, TRANSPORT_PORT_NATT, &c->peer, pkt.ptr, pkt.len);
	struct netaddr to = c->peer;
	to.port = 0;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&to, &ss);
	return sendto(u->raw, pkt.ptr, pkt.len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)pkt.len;
}

/* An expired SA carries nothing more, in either direction. */
static bool esp_user_live(struct esp_user_child *c)
{
	if (c->expired || c->retired)
		return false;
	uint64_t bytes = esp_sa_counters(c->in)->bytes + esp_sa_counters(c->out)->bytes;
	if ((c->life_ms && clock_ms() - c->installed_ms >= c->life_ms) ||
	    (c->life_bytes && bytes >= c->life_bytes)) {
		c->expired = true;
		log_info("esp user: SA %08x/%08x expired after %" PRIu64 " bytes, %" PRIu64 " ms",
			 esp_sa_spi(c->in), esp_sa_spi(c->out), bytes, clock_ms() - c->installed_ms);
		return false;
	}
	return true;
}

/* The newest live child for dst: after a rekey the new SA carries the
 * traffic, and a deleted or expired one never again. NULL with *dead set
 * when children match but none is live. */
static struct esp_user_child *esp_user_by_dst(struct esp_user *u, const uint8_t dst[4],
					      struct esp_user_child **dead)
{
	*dead = NULL;
	for (size_t i = u->nchild; i-- > 0;) {
		struct esp_user_child *c = &u->child[i];
		if (memcmp(dst, c->lo, 4) < 0 || memcmp(dst, c->hi, 4) > 0)
			continue;
		if (esp_user_live(c))
			return c;
		if (!*dead)
			*dead = c;
	}
	return NULL;
}

size_t esp_user_poll_tun(struct esp_user *u)
{
	size_t n = 0;
	for (;;) {
		ssize_t len = read(u->fd, u->buf, sizeof(u->buf));
		if (len <= 0)
			return n;
		/* IPv4 only for now: version 4, at least a header */
		if (len < 20 || (u->buf[0] >> 4) != 4) {
			u->unmatched++;
			continue;
		}
		struct esp_user_child *dead, *c = esp_user_by_dst(u, u->buf + 16, &dead);
		if (!c) {
			if (!dead)
				u->unmatched++;
			else if (dead->retired)
				u->retired++;
			else
				u->expired++;
			continue;
		}
		chunk_t out = CHUNK_EMPTY;
		if (!esp_seal(c->out, 4, u->buf, (size_t)len, &out)) {
			log_warn("esp user: SPI %08x: sequence numbers exhausted", esp_sa_spi(c->out));
			continue;
		}
		if (!esp_user_send(u, c, out))
			log_warn("esp user: send to SPI %08x: %s", esp_sa_spi(c->out),
				 c->udp ? transport_error(u->t) : strerror(errno));
		chunk_free(&c->last_sent);
		chunk_free(&c->last_inner);
		c->last_sent = out;
		c->last_inner = chunk_dup(u->buf, (size_t)len);
		n++;
	}
}

/* An ESP packet from src, by either path. */
static void esp_user_open(struct esp_user *u, const uint8_t *p, size_t len,
			  const struct netaddr *src)
{
	struct esp_user_child *c = NULL;
	for (size_t i = 0; len >= 8 && i < u->nchild && !c; i++)
		if (!memcmp(p, u->child[i].spi_in, 4))
			c = &u->child[i];
	if (!c) {
		u->unmatched++;
		return;
	}
	/* an older child keeps taking packets in flight until the engine
	   deletes it or it expires (RFC 2408 4.8 leaves them to the SA) */
	if (!esp_user_live(c)) {
		if (c->retired)
			u->retired++;
		else
			u->expired++;
		return;
	}
	chunk_t inner = CHUNK_EMPTY;
	uint8_t nh = 0;
	if (esp_open(c->in, p, len, &inner, &nh) != ESP_DROP_NONE)
		return;  /* counted by the SA */
	/* a NAT may have moved the peer; follow authenticated packets */
	if (c->udp)
		c->peer = *src;
	chunk_free(&c->last_rx);
	c->last_rx = chunk_dup(p, len);
	if (nh == 4 && write(u->fd, inner.ptr, inner.len) != (ssize_t)inner.len)
		log_warn("esp user: TUN write: %s", strerror(errno));
	chunk_free(&inner);
}

void esp_user_input(struct esp_user *u, const struct transport_pkt *pkt)
{
	if (pkt->kind != TRANSPORT_PKT_ESP) {
		u->unmatched++;
		return;
	}
	esp_user_open(u, pkt->data.ptr, pkt->data.len, &pkt->src);
}

/* Raw ESP: the IPv4 header comes with it. */
static size_t esp_user_poll_raw(struct esp_user *u)
{
	size_t n = 0;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(u->raw, u->buf, sizeof(u->buf), 0, (struct sockaddr *)&from, &fl);
		if (len <= 0)
			return n;
		size_t ihl = (size_t)(u->buf[0] & 0x0f) * 4;
		struct netaddr src;
		if ((size_t)len < ihl + 8 || !netaddr_from_sockaddr((struct sockaddr *)&from, fl, &src)) {
			u->unmatched++;
			continue;
		}
		esp_user_open(u, u->buf + ihl, (size_t)len - ihl, &src);
		n++;
	}
}

size_t esp_user_poll(struct esp_user *u)
{
	return esp_user_poll_tun(u) + esp_user_poll_raw(u);
}

bool esp_user_bad(struct esp_user *u, size_t i, enum esp_user_bad what)
{
	if (i >= u->nchild)
		return false;
	struct esp_user_child *c = &u->child[i];
	chunk_t pkt = CHUNK_EMPTY, inner = CHUNK_EMPTY;
	uint8_t nh;
	bool ok = true;
	switch (what) {
	case ESP_USER_REPLAY_OUT:
		if (!c->last_sent.len)
			return false;
		return esp_user_send(u, c, c->last_sent);
	case ESP_USER_FORGE_OUT:
		if (!c->last_inner.len || !esp_seal(c->out, 4, c->last_inner.ptr, c->last_inner.len, &pkt))
			return false;
		pkt.ptr[pkt.len - 1] ^= 0x01;
		ok = esp_user_send(u, c, pkt);
		chunk_free(&pkt);
		return ok;
	case ESP_USER_REPLAY_IN:
	case ESP_USER_FORGE_IN:
		if (c->last_rx.len < 8)
			return false;
		pkt = chunk_dup(c->last_rx.ptr, c->last_rx.len);
		if (what == ESP_USER_FORGE_IN) {
			/* a number far ahead: new to the window, so only the ICV can
			   refuse it */
			uint32_t seq = (uint32_t)pkt.ptr[4] << 24 | (uint32_t)pkt.ptr[5] << 16 |
				       (uint32_t)pkt.ptr[6] << 8 | pkt.ptr[7];
			seq += 1000;
			pkt.ptr[4] = (uint8_t)(seq >> 24);
			pkt.ptr[5] = (uint8_t)(seq >> 16);
			pkt.ptr[6] = (uint8_t)(seq >> 8);
			pkt.ptr[7] = (uint8_t)seq;
		}
		ok = esp_open(c->in, pkt.ptr, pkt.len, &inner, &nh) == ESP_DROP_NONE;
		chunk_free(&inner);
		chunk_free(&pkt);
		return !ok;  /* done means refused */
	}
	return false;
}

bool esp_user_counters(const struct esp_user *u, size_t i, struct esp_counters *in,
		       struct esp_counters *out)
{
	if (i >= u->nchild)
		return false;
	*in = *esp_sa_counters(u->child[i].in);
	*out = *esp_sa_counters(u->child[i].out);
	return true;
}

bool esp_user_counters_by_spi(const struct esp_user *u, const uint8_t spi_in[4],
			      struct esp_counters *in, struct esp_counters *out)
{
	for (size_t i = 0; i < u->nchild; i++)
		if (!memcmp(u->child[i].spi_in, spi_in, 4))
			return esp_user_counters(u, i, in, out);
	return false;
}

uint64_t esp_user_unmatched(const struct esp_user *u)
{
	return u->unmatched;
}

uint64_t esp_user_expired(const struct esp_user *u)
{
	return u->expired;
}

bool esp_user_peer(const struct esp_user *u, size_t i, struct netaddr *out)
{
	if (i >= u->nchild)
		return false;
	*out = u->child[i].peer;
	return true;
}

uint64_t esp_user_retired(const struct esp_user *u)
{
	return u->retired;
}

int esp_user_sync(struct esp_user *u, const struct ike_child *children, size_t n,
		  const struct netaddr *peer, char *err, size_t errlen)
{
	int added = 0;
	for (size_t k = 0; k < n; k++) {
		const struct ike_child *ec = &children[k];
		struct esp_user_child *c = NULL;
		for (size_t i = 0; i < u->nchild && !c; i++)
			if (!memcmp(u->child[i].spi_in, ec->spi_in, 4))
				c = &u->child[i];
		if (c) {
			if (!c->retired && !ike_child_live(ec)) {
				c->retired = true;
				log_info("esp user: SA %08x/%08x retired (%s)", esp_sa_spi(c->in),
					 esp_sa_spi(c->out), ec->expired ? "expired" : "deleted");
			}
			continue;
		}
		/* a child that died before we saw it is never installed */
		if (!ike_child_live(ec))
			continue;
		if (!esp_user_add_child(u, ec, peer, err, errlen))
			return -1;
		added++;
	}
	return added;
}

bool esp_user_resume(struct esp_user *u, const uint8_t spi_in[4], uint32_t next_seq)
{
	for (size_t i = 0; i < u->nchild; i++) {
		if (memcmp(u->child[i].spi_in, spi_in, 4) != 0)
			continue;
		if (next_seq < esp_sa_next_seq(u->child[i].out))
			return false;
		esp_sa_set_next_seq(u->child[i].out, next_seq);
		return true;
	}
	return false;
}

bool esp_user_child_state(const struct esp_user *u, const uint8_t spi_in[4], bool *live)
{
	for (size_t i = 0; i < u->nchild; i++)
		if (!memcmp(u->child[i].spi_in, spi_in, 4)) {
			*live = !u->child[i].retired && !u->child[i].expired;
			return true;
		}
	return false;
}
