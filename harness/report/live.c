/* A live capture inside a namespace: report/live.h. */
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "netns/netns.h"
#include "report/live.h"

struct live_frame {
	uint8_t *data;
	size_t len;
	uint64_t time_ms;
};

struct live_capture {
	pcap_t *p;
	pcap_dumper_t *dump;
	int linktype;
	struct live_frame *f;
	size_t n, cap;
};

static void live_store(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct live_capture *c = (struct live_capture *)user;
	if (c->dump)
		pcap_dump((u_char *)c->dump, h, bytes);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->f = xrealloc(c->f, c->cap * sizeof(*c->f));
	}
	c->f[c->n].data = xmalloc(h->caplen ? h->caplen : 1);
	memcpy(c->f[c->n].data, bytes, h->caplen);
	c->f[c->n].len = h->caplen;
	c->f[c->n].time_ms = (uint64_t)h->ts.tv_sec * 1000 + (uint64_t)h->ts.tv_usec / 1000;
	c->n++;
}

#define LIVE_SNAPLEN 9216
#define LIVE_RING_BYTES (1 << 20)

struct live_capture *live_capture_start(const char *ns, const char *ifname, const char *path,
					bool out_only, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "", e2[200];
	struct netns_saved saved = { -1 };
	if (ns && !netns_enter(ns, &saved, err, errlen))
		return NULL;
	/* the capture socket is bound to the namespace it is made in */
	pcap_t *p = pcap_create(ifname, ebuf);
	int r = -1;
	if (p) {
		/* immediate mode gives every frame a slot of snaplen bytes and
		   the whole ring counts in our RSS: 9216 bytes (a jumbo frame;
		   our links carry 1500) in a 1 MiB ring is 1 MiB a capture and
		   about a hundred frames between two reads, where libpcap's
		   defaults (65535, 2 MiB) cost 4 MiB for 30 */
		pcap_set_snaplen(p, LIVE_SNAPLEN);
		pcap_set_buffer_size(p, LIVE_RING_BYTES);
		pcap_set_immediate_mode(p, 1);
		pcap_set_timeout(p, 10);
		r = pcap_activate(p);
	}
	if (ns && !netns_leave(&saved, e2, sizeof(e2)))
		abort(); /* nothing after this would run where it thinks it does */
	if (!p || r < 0) {
		snprintf(err, errlen, "capture on %s in %s: %s", ifname, ns ? ns : "(ours)",
			 p ? pcap_geterr(p) : ebuf);
		if (p)
			pcap_close(p);
		return NULL;
	}
	if (out_only && pcap_setdirection(p, PCAP_D_OUT) < 0) {
		snprintf(err, errlen, "capture on %s: direction: %s", ifname, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		snprintf(err, errlen, "capture on %s: %s", ifname, ebuf);
		pcap_close(p);
		return NULL;
	}
	pcap_dumper_t *d = path ? pcap_dump_open(p, path) : NULL;
	if (path && !d) {
		snprintf(err, errlen, "capture file %s: %s", path, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	struct live_capture *c = xcalloc(1, sizeof(*c));
	c->p = p;
	c->dump = d;
	c->linktype = pcap_datalink(p);
	return c;
}

int live_capture_fd(const struct live_capture *c)
{
	return pcap_get_selectable_fd(c->p);
}

size_t live_capture_poll(struct live_capture *c)
{
	int n = pcap_dispatch(c->p, -1, live_store, (u_char *)c);
	return n > 0 ? (size_t)n : 0;
}

static bool live_has(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	if (!m || m > n)
		return false;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && !memcmp(hay + i, needle, m))
			return true;
	return false;
}

static void live_ipv4(struct netaddr *a, const uint8_t ip[4], uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->ip, ip, 4);
	a->port = port;
}

static void live_keepalive(struct live_summary *s, const struct live_frame *f, const uint8_t *iph,
			   uint16_t sp, uint16_t dp)
{
	s->keepalive++;
	if (!s->keepalive_first_ms)
		s->keepalive_first_ms = f->time_ms;
	s->keepalive_last_ms = f->time_ms;
	if (s->nka == LIVE_MAX_KEEPALIVES)
		return;
	struct live_keepalive *k = &s->ka[s->nka++];
	k->time_ms = f->time_ms;
	live_ipv4(&k->src, iph + 12, sp);
	live_ipv4(&k->dst, iph + 16, dp);
}

size_t live_keepalives_from(const struct live_summary *s, const struct netaddr *src)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nka; i++)
		if (netaddr_same_host(&s->ka[i].src, src) && (!src->port || s->ka[i].src.port == src->port))
			n++;
	return n;
}

/* One IPv4 frame (Ethernet or cooked) into the summary. */
static void live_classify(const struct live_capture *c, const struct live_frame *f,
			  struct live_summary *s)
{
	const uint8_t *d = f->data;
	size_t len = f->len;
	size_t off;
	uint16_t type;
	if (c->linktype == DLT_EN10MB && len >= 14) {
		off = 14;
		type = (uint16_t)(d[12] << 8 | d[13]);
	} else if (c->linktype == DLT_LINUX_SLL && len >= 16) {
		off = 16;
		type = (uint16_t)(d[14] << 8 | d[15]);
	} else {
		s->not_ip++;
		return;
	}
	if (type != 0x0800 || len < off + 20 || (d[off] >> 4) != 4) {
		s->not_ip++;
		return;
	}
	size_t ihl = (size_t)(d[off] & 0x0f) * 4;
	uint8_t proto = d[off + 9];
	const uint8_t *l4 = d + off + ihl;
	size_t l4len = len >= off + ihl ? len - off - ihl : 0;
	if (proto == 50) {
		s->esp_raw++;
		return;
	}
	if (proto != 17 || l4len < 8) {
		s->other++;
		return;
	}
	uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
	const uint8_t *pl = l4 + 8;
	size_t pllen = l4len - 8;
	static const uint8_t zero[4];
	if (sp == 500 || dp == 500)
		s->ike++;
	else if (sp != 4500 && dp != 4500)
		s->other++;
	else if (pllen == 1 && pl[0] == 0xff)
		live_keepalive(s, f, d + off, sp, dp);
	else if (pllen >= 4 && !memcmp(pl, zero, 4))
		s->ike++;
	else if (pllen >= 8)
		s->esp_udp++;
	else
		s->other++;
}

void live_capture_stop(struct live_capture *c, const uint8_t *secret, size_t secret_len,
		       struct live_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	live_capture_poll(c);
	if (c->dump)
		pcap_dump_close(c->dump);
	pcap_close(c->p);
	for (size_t i = 0; i < c->n; i++) {
		out->frames++;
		live_classify(c, &c->f[i], out);
		if (secret && live_has(c->f[i].data, c->f[i].len, secret, secret_len))
			out->secret_seen++;
		free(c->f[i].data);
	}
	free(c->f);
	free(c);
}
