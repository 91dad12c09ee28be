/* UDP backend: one socket on the IKE port, one on the NAT-T port. */
#include "transport/transport.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct transport_udp {
	struct transport base;
	int sock[2];                 /* indexed by enum transport_port */
	struct netaddr local[2];     /* as bound (kernel-chosen ports filled in) */
	int epfd;                    /* readable when either socket is */
	unsigned next;               /* socket recv tries first, so neither starves */
	uint8_t buf[TRANSPORT_MAX_DGRAM]; /* larger than any UDP payload */
};

static int transport_udp_bind(const struct netaddr *addr, struct netaddr *bound,
			      char *err, size_t errlen)
{
	char a[NETADDR_STRLEN];
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(addr, &ss);
	int on = 1, fd;

	netaddr_str(addr, a, sizeof(a));
	fd = socket(addr->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket for %s: %s", a, strerror(errno));
		return -1;
	}
	/* PKTINFO tells which local address a datagram was sent to (a wildcard
	 * bind accepts many), which NAT-D hashes need. V6ONLY keeps IPv4
	 * out of IPv6 sockets as mapped addresses. No SO_REUSEADDR: on UDP it
	 * would let another IKE daemon share our port without a word. */
	bool ok;
	if (addr->family == AF_INET)
		ok = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == 0;
	else
		ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0 &&
		     setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) == 0;
	if (!ok) {
		snprintf(err, errlen, "socket options for %s: %s", a, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "cannot bind UDP %s: %s", a, strerror(errno));
		goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !netaddr_from_sockaddr((struct sockaddr *)&ss, sl, bound)) {
		snprintf(err, errlen, "getsockname for %s: %s", a, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static bool transport_udp_send(struct transport *t, enum transport_port from,
			       const struct netaddr *to, const uint8_t *data,
			       size_t len, bool raw)
{
	struct transport_udp *u = (struct transport_udp *)t;
	char a[NETADDR_STRLEN];
	struct sockaddr_storage ss;

	netaddr_str(to, a, sizeof(a));
	if (from != TRANSPORT_PORT_IKE && from != TRANSPORT_PORT_NATT) {
		transport_set_error(t, "send to %s: no such local port (%d)", a, (int)from);
		return false;
	}
	if (to->family != u->local[from].family) {
		transport_set_error(t, "send to %s: the transport is %s", a,
				    u->local[from].family == AF_INET ? "IPv4" : "IPv6");
		return false;
	}
	socklen_t sl = netaddr_to_sockaddr(to, &ss);
	chunk_t frame = transport_frame(from, raw, data, len);
	ssize_t n = sendto(u->sock[from], frame.ptr, frame.len, 0, (struct sockaddr *)&ss, sl);
	int e = errno;
	chunk_free(&frame);
	if (n < 0) {
		transport_set_error(t, "send to %s from port %u: %s", a,
				    u->local[from].port, strerror(e));
		return false;
	}
	return true;
}

/* 1: a packet; 0: none waiting; -1: error. */
static int transport_udp_recv_on(struct transport_udp *u, enum transport_port port,
				 struct transport_pkt *out)
{
	struct sockaddr_storage ss;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { u->buf, sizeof(u->buf) };
	struct msghdr msg = {
		.msg_name = &ss, .msg_namelen = sizeof(ss),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n = recvmsg(u->sock[port], &msg, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		transport_set_error(&u->base, "receive on port %u: %s",
				    u->local[port].port, strerror(errno));
		return -1;
	}
	memset(out, 0, sizeof(*out));
	netaddr_from_sockaddr((struct sockaddr *)&ss, msg.msg_namelen, &out->src);
	out->dst = u->local[port]; /* the port; the address unless PKTINFO says */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(out->dst.ip, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(out->dst.ip, &pi.ipi6_addr, 16);
		}
	}
	transport_classify(port == TRANSPORT_PORT_NATT, u->buf, (size_t)n, out);
	return 1;
}

static int transport_udp_recv(struct transport *t, struct transport_pkt *out)
{
	struct transport_udp *u = (struct transport_udp *)t;
	for (unsigned i = 0; i < 2; i++) {
		enum transport_port port = (enum transport_port)((u->next + i) % 2);
		int r = transport_udp_recv_on(u, port, out);
		if (r) {
			u->next = (unsigned)port ^ 1u;
			return r;
		}
	}
	return 0;
}

static int transport_udp_wait(struct transport *t, int timeout_ms)
{
	struct transport_udp *u = (struct transport_udp *)t;
	struct pollfd p[2] = { { u->sock[0], POLLIN, 0 }, { u->sock[1], POLLIN, 0 } };
	int r = poll(p, 2, timeout_ms);
	if (r < 0 && errno != EINTR) {
		transport_set_error(t, "poll: %s", strerror(errno));
		return -1;
	}
	return r > 0 ? 1 : 0;
}

static int transport_udp_fd(struct transport *t)
{
	return ((struct transport_udp *)t)->epfd;
}

static bool transport_udp_local(struct transport *t, enum transport_port port,
				struct netaddr *out)
{
	if (port != TRANSPORT_PORT_IKE && port != TRANSPORT_PORT_NATT)
		return false;
	*out = ((struct transport_udp *)t)->local[port];
	return true;
}

static void transport_udp_free(struct transport *t)
{
	struct transport_udp *u = (struct transport_udp *)t;
	for (int i = 0; i < 2; i++)
		if (u->sock[i] >= 0)
			close(u->sock[i]);
	if (u->epfd >= 0)
		close(u->epfd);
	free(u);
}

static const struct transport_ops transport_udp_ops = {
	.send = transport_udp_send,
	.recv = transport_udp_recv,
	.wait = transport_udp_wait,
	.fd = transport_udp_fd,
	.local = transport_udp_local,
	.free = transport_udp_free,
};

struct transport *transport_udp_new(const struct transport_udp_config *cfg,
				    char *err, size_t errlen)
{
	struct netaddr want[2] = { cfg->local, cfg->local };
	want[TRANSPORT_PORT_NATT].port = cfg->natt_port;

	if (!netaddr_iplen(&cfg->local)) {
		snprintf(err, errlen, "UDP transport: no local address");
		return NULL;
	}
	/* Said here, before bind's less telling EADDRINUSE. */
	if (cfg->local.port && cfg->local.port == cfg->natt_port) {
		snprintf(err, errlen, "UDP transport: IKE and NAT-T ports are both %u",
			 cfg->natt_port);
		return NULL;
	}
	struct transport_udp *u = xcalloc(1, sizeof(*u));
	u->base.ops = &transport_udp_ops;
	u->sock[0] = u->sock[1] = u->epfd = -1;
	for (int i = 0; i < 2; i++) {
		u->sock[i] = transport_udp_bind(&want[i], &u->local[i], err, errlen);
		if (u->sock[i] < 0)
			goto fail;
	}
	u->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (u->epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, u->sock[i], &ev) < 0) {
			snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
			goto fail;
		}
	}
	return &u->base;
fail:
	transport_udp_free(&u->base);
	return NULL;
}
