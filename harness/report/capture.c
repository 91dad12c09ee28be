#include "core/cksum.h"
#include "report/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CAPTURE_ISAKMP_PORT 500
#define CAPTURE_NATT_PORT 4500
#define CAPTURE_MAX_PENDING 32

/* An IP datagram being put together from fragments. */
struct capture_frag {
	bool used;
	int family;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t proto;
	size_t total;           /* known once the last fragment arrived; 0 before */
	uint8_t *data;          /* 65535 bytes */
	uint8_t seen[65536 / 8 / 8]; /* one bit per 8-byte block */
	unsigned age;
};

struct capture_ctx {
	struct capture *out;
	struct capture_frag pending[CAPTURE_MAX_PENDING];
	unsigned clock;
	size_t cap_dgrams;
};

static void capture_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void capture_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static uint16_t capture_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t capture_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void capture_push(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			 const struct capture_addr *src, const struct capture_addr *dst,
			 bool marker, const uint8_t *data, size_t len)
{
	struct capture *c = ctx->out;
	if (c->count == ctx->cap_dgrams) {
		ctx->cap_dgrams = ctx->cap_dgrams ? 2 * ctx->cap_dgrams : 16;
		c->dgrams = xrealloc(c->dgrams, ctx->cap_dgrams * sizeof(*c->dgrams));
	}
	c->dgrams[c->count++] = (struct capture_dgram){
		.frame = frame, .ts = *ts, .src = *src, .dst = *dst,
		.non_esp_marker = marker, .data = chunk_dup(data, len),
	};
}

/* A UDP payload: ISAKMP on 500, ISAKMP behind the marker or ESP on 4500. */
static void capture_udp(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			int family, const uint8_t *src, const uint8_t *dst,
			const uint8_t *p, size_t len)
{
	size_t alen = family == AF_INET ? 4 : 16;
	if (len < 8) {
		ctx->out->other++;
		return;
	}
	size_t ulen = capture_be16(p + 4);
	if (ulen >= 8 && ulen < len)
		len = ulen; /* Ethernet padding after a short datagram */
	struct capture_addr s = { .family = family, .port = capture_be16(p) };
	struct capture_addr d = { .family = family, .port = capture_be16(p + 2) };
	memcpy(s.ip, src, alen);
	memcpy(d.ip, dst, alen);
	const uint8_t *body = p + 8;
	size_t blen = len - 8;

	if (s.port == CAPTURE_ISAKMP_PORT || d.port == CAPTURE_ISAKMP_PORT) {
		capture_push(ctx, frame, ts, &s, &d, false, body, blen);
	} else if (s.port == CAPTURE_NATT_PORT || d.port == CAPTURE_NATT_PORT) {
		if (blen == 1 && body[0] == 0xff)
			ctx->out->keepalives++;
		else if (blen >= 4 && capture_be32(body) == 0)
			capture_push(ctx, frame, ts, &s, &d, true, body + 4, blen - 4);
		else
			ctx->out->esp++;
	} else {
		ctx->out->other++;
	}
}

static void capture_transport(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			      int family, const uint8_t *src, const uint8_t *dst,
			      uint8_t proto, const uint8_t *p, size_t len)
{
	if (proto == IPPROTO_UDP)
		capture_udp(ctx, frame, ts, family, src, dst, p, len);
	else if (proto == IPPROTO_ESP)
		ctx->out->esp++;
	else
		ctx->out->other++;
}

static struct capture_frag *capture_frag_find(struct capture_ctx *ctx, int family,
					      const uint8_t *src, const uint8_t *dst,
					      uint32_t id, uint8_t proto)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct capture_frag *free_slot = NULL, *oldest = &ctx->pending[0];
	for (size_t i = 0; i < CAPTURE_MAX_PENDING; i++) {
		struct capture_frag *f = &ctx->pending[i];
		if (!f->used) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (f->family == family && f->id == id && f->proto == proto &&
		    !memcmp(f->src, src, alen) && !memcmp(f->dst, dst, alen))
			return f;
		if (f->age < oldest->age)
			oldest = f;
	}
	struct capture_frag *f = free_slot ? free_slot : oldest;
	if (f->used) /* evict the oldest incomplete datagram */
		ctx->out->other++;
	uint8_t *data = f->data ? f->data : xmalloc(65535);
	memset(f, 0, sizeof(*f));
	f->data = data;
	f->used = true;
	f->family = family;
	memcpy(f->src, src, alen);
	memcpy(f->dst, dst, alen);
	f->id = id;
	f->proto = proto;
	return f;
}

/* Add one fragment (offset in bytes); hand the datagram on when complete. */
static void capture_fragment(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			     int family, const uint8_t *src, const uint8_t *dst, uint32_t id,
			     uint8_t proto, size_t offset, bool more, const uint8_t *p, size_t len)
{
	if (offset + len > 65535 || (more && len % 8)) {
		ctx->out->other++;
		return;
	}
	struct capture_frag *f = capture_frag_find(ctx, family, src, dst, id, proto);
	f->age = ++ctx->clock;
	memcpy(f->data + offset, p, len);
	for (size_t b = offset / 8; b < (offset + len + 7) / 8; b++)
		f->seen[b / 8] |= (uint8_t)(1u << (b % 8));
	if (!more)
		f->total = offset + len;
	if (!f->total)
		return;
	for (size_t b = 0; b < (f->total + 7) / 8; b++)
		if (!(f->seen[b / 8] & (1u << (b % 8))))
			return;
	capture_transport(ctx, frame, ts, family, f->src, f->dst, f->proto, f->data, f->total);
	f->used = false;
}

static void capture_ipv4(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			 const uint8_t *p, size_t len)
{
	if (len < 20 || (p[0] >> 4) != 4) {
		ctx->out->other++;
		return;
	}
	size_t ihl = (size_t)(p[0] & 15) * 4;
	size_t total = capture_be16(p + 2);
	if (ihl < 20 || total < ihl || total > len) {
		ctx->out->other++;
		return;
	}
	uint16_t frag = capture_be16(p + 6);
	bool more = frag & 0x2000;
	size_t offset = (size_t)(frag & 0x1fff) * 8;
	if (more || offset)
		capture_fragment(ctx, frame, ts, AF_INET, p + 12, p + 16, capture_be16(p + 4),
				 p[9], offset, more, p + ihl, total - ihl);
	else
		capture_transport(ctx, frame, ts, AF_INET, p + 12, p + 16, p[9], p + ihl,
				  total - ihl);
}

static void capture_ipv6(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			 const uint8_t *p, size_t len)
{
	if (len < 40 || (p[0] >> 4) != 6) {
		ctx->out->other++;
		return;
	}
	size_t plen = capture_be16(p + 4);
	if (40 + plen > len) {
		ctx->out->other++;
		return;
	}
	uint8_t next = p[6];
	const uint8_t *q = p + 40;
	size_t left = plen;
	/* Walk the extension headers up to the transport or a fragment header. */
	for (;;) {
		if (next == 0 || next == 43 || next == 60) {
			if (left < 8 || left < (size_t)(q[1] + 1) * 8) {
				ctx->out->other++;
				return;
			}
			size_t hl = (size_t)(q[1] + 1) * 8;
			next = q[0];
			q += hl;
			left -= hl;
		} else if (next == 44) {
			if (left < 8) {
				ctx->out->other++;
				return;
			}
			uint16_t off = capture_be16(q + 2);
			capture_fragment(ctx, frame, ts, AF_INET6, p + 8, p + 24, capture_be32(q + 4),
					 q[0], off & 0xfff8, off & 1, q + 8, left - 8);
			return;
		} else {
			capture_transport(ctx, frame, ts, AF_INET6, p + 8, p + 24, next, q, left);
			return;
		}
	}
}

static void capture_ip(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
		       const uint8_t *p, size_t len)
{
	if (len >= 1 && (p[0] >> 4) == 4)
		capture_ipv4(ctx, frame, ts, p, len);
	else if (len >= 1 && (p[0] >> 4) == 6)
		capture_ipv6(ctx, frame, ts, p, len);
	else
		ctx->out->other++;
}

static void capture_ethertype(struct capture_ctx *ctx, size_t frame, const struct timeval *ts,
			      uint16_t type, const uint8_t *p, size_t len)
{
	/* VLAN tags (802.1Q, 802.1ad) may be stacked. */
	while ((type == 0x8100 || type == 0x88a8) && len >= 4) {
		type = capture_be16(p + 2);
		p += 4;
		len -= 4;
	}
	if (type == 0x0800 || type == 0x86dd)
		capture_ip(ctx, frame, ts, p, len);
	else
		ctx->out->other++;
}

static void capture_frame(struct capture_ctx *ctx, int dlt, size_t frame,
			  const struct timeval *ts, const uint8_t *p, size_t len)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			break;
		capture_ethertype(ctx, frame, ts, capture_be16(p + 12), p + 14, len - 14);
		return;
	case DLT_LINUX_SLL:
		if (len < 16)
			break;
		capture_ethertype(ctx, frame, ts, capture_be16(p + 14), p + 16, len - 16);
		return;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (len < 20)
			break;
		capture_ethertype(ctx, frame, ts, capture_be16(p), p + 20, len - 20);
		return;
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		capture_ip(ctx, frame, ts, p, len);
		return;
	case DLT_NULL:
	case DLT_LOOP:
		/* A 4-byte address family; the IP version nibble says the rest. */
		if (len < 4)
			break;
		capture_ip(ctx, frame, ts, p + 4, len - 4);
		return;
	default:
		break;
	}
	ctx->out->other++;
}

static bool capture_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

bool capture_read_pcap(const char *path, struct capture *out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	memset(out, 0, sizeof(*out));
	pcap_t *pc = pcap_open_offline(path, ebuf);
	if (!pc) {
		capture_seterr(err, errlen, "%s: %s", path, ebuf);
		return false;
	}
	int dlt = pcap_datalink(pc);
	if (!capture_dlt_supported(dlt)) {
		capture_seterr(err, errlen, "%s: link type %s (%d) is not supported", path,
			       pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?",
			       dlt);
		pcap_close(pc);
		return false;
	}
	struct capture_ctx ctx = { .out = out };
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		out->frames++;
		capture_frame(&ctx, dlt, out->frames, &h->ts, data, h->caplen);
	}
	bool ok = rc == PCAP_ERROR_BREAK;
	if (!ok)
		capture_seterr(err, errlen, "%s: frame %zu: %s", path, out->frames + 1,
			       pcap_geterr(pc));
	for (size_t i = 0; i < CAPTURE_MAX_PENDING; i++) {
		if (ctx.pending[i].used)
			out->other++; /* a datagram whose fragments never all arrived */
		free(ctx.pending[i].data);
	}
	pcap_close(pc);
	if (!ok)
		capture_free(out);
	return ok;
}

bool capture_read_raw(const char *path, struct capture *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "rb");
	if (!f) {
		capture_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	struct writer w;
	writer_init(&w);
	bool rerr = !writer_read(&w, f, 65535);
	fclose(f);
	if (w.len > 65535 || rerr) {
		if (w.len > 65535)
			capture_seterr(err, errlen, "%s: longer than a UDP datagram (65535 bytes)",
				       path);
		else
			capture_seterr(err, errlen, "%s: read error", path);
		writer_free(&w);
		return false;
	}
	out->dgrams = xcalloc(1, sizeof(*out->dgrams));
	out->dgrams[0].frame = 1;
	out->dgrams[0].data = writer_take(&w);
	/* A payload saved from port 4500 keeps its non-ESP marker: four zero
	 * bytes, then a header whose version byte sits 4 bytes late. */
	chunk_t *d = &out->dgrams[0].data;
	if (d->len >= 4 + 28 && capture_be32(d->ptr) == 0 && d->ptr[4 + 17] == 0x10 &&
	    d->ptr[17] != 0x10) {
		memmove(d->ptr, d->ptr + 4, d->len - 4);
		d->len -= 4;
		out->dgrams[0].non_esp_marker = true;
	}
	out->count = out->frames = 1;
	return true;
}

bool capture_read_any(const char *path, struct capture *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		memset(out, 0, sizeof(*out));
		capture_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	uint8_t m[4] = { 0 };
	size_t n = fread(m, 1, 4, f);
	fclose(f);
	uint32_t magic = n == 4 ? capture_be32(m) : 0;
	static const uint32_t pcap_magics[] = {
		0xa1b2c3d4, 0xd4c3b2a1, /* microseconds, both byte orders */
		0xa1b23c4d, 0x4d3cb2a1, /* nanoseconds */
		0x0a0d0d0a,             /* pcapng section header */
	};
	for (size_t i = 0; i < sizeof(pcap_magics) / sizeof(pcap_magics[0]); i++)
		if (magic == pcap_magics[i])
			return capture_read_pcap(path, out, err, errlen);
	return capture_read_raw(path, out, err, errlen);
}

void capture_free(struct capture *c)
{
	for (size_t i = 0; i < c->count; i++)
		chunk_free(&c->dgrams[i].data);
	free(c->dgrams);
	memset(c, 0, sizeof(*c));
}

const char *capture_addr_str(const struct capture_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, a->ip, ip, sizeof(ip));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

struct capture_writer {
	pcap_t *dead;
	pcap_dumper_t *dump;
	uint16_t ip_id;
};

struct capture_writer *capture_writer_open(const char *path, char *err, size_t errlen)
{
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	if (!dead) {
		capture_seterr(err, errlen, "%s: pcap_open_dead failed", path);
		return NULL;
	}
	pcap_dumper_t *dump = pcap_dump_open(dead, path);
	if (!dump) {
		capture_seterr(err, errlen, "%s: %s", path, pcap_geterr(dead));
		pcap_close(dead);
		return NULL;
	}
	struct capture_writer *w = xcalloc(1, sizeof(*w));
	w->dead = dead;
	w->dump = dump;
	w->ip_id = 1;
	return w;
}

bool capture_writer_add(struct capture_writer *w, const struct timeval *ts,
			const struct capture_addr *src, const struct capture_addr *dst,
			bool non_esp_marker, const uint8_t *data, size_t len)
{
	bool v6 = src->family == AF_INET6;
	size_t iphl = v6 ? 40 : 20;
	size_t mlen = non_esp_marker ? 4 : 0;
	size_t ulen = 8 + mlen + len;
	if (src->family != dst->family || iphl + ulen > 65535)
		return false;
	uint8_t *pkt = xcalloc(1, iphl + ulen);
	uint8_t *u = pkt + iphl;
	u[0] = (uint8_t)(src->port >> 8);
	u[1] = (uint8_t)src->port;
	u[2] = (uint8_t)(dst->port >> 8);
	u[3] = (uint8_t)dst->port;
	u[4] = (uint8_t)(ulen >> 8);
	u[5] = (uint8_t)ulen;
	memcpy(u + 8 + mlen, data, len);

	/* UDP checksum over the pseudo-header, so no dissector flags it. */
	size_t alen = v6 ? 16 : 4;
	uint32_t sum = cksum_add(0, src->ip, alen);
	sum = cksum_add(sum, dst->ip, alen);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	sum = cksum_add(sum, u, ulen);
	uint16_t csum = cksum_fold(sum);
	if (csum == 0)
		csum = 0xffff;
	u[6] = (uint8_t)(csum >> 8);
	u[7] = (uint8_t)csum;

	if (v6) {
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)(ulen >> 8);
		pkt[5] = (uint8_t)ulen;
		pkt[6] = IPPROTO_UDP;
		pkt[7] = 64;
		memcpy(pkt + 8, src->ip, 16);
		memcpy(pkt + 24, dst->ip, 16);
	} else {
		size_t total = iphl + ulen;
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)(total >> 8);
		pkt[3] = (uint8_t)total;
		pkt[4] = (uint8_t)(w->ip_id >> 8);
		pkt[5] = (uint8_t)w->ip_id;
		w->ip_id++;
		pkt[6] = 0x40; /* don't fragment: a capture has no MTU */
		pkt[8] = 64;
		pkt[9] = IPPROTO_UDP;
		memcpy(pkt + 12, src->ip, 4);
		memcpy(pkt + 16, dst->ip, 4);
		uint16_t ipsum = cksum_fold(cksum_add(0, pkt, 20));
		pkt[10] = (uint8_t)(ipsum >> 8);
		pkt[11] = (uint8_t)ipsum;
	}
	struct pcap_pkthdr h = { .ts = *ts, .caplen = (bpf_u_int32)(iphl + ulen),
				 .len = (bpf_u_int32)(iphl + ulen) };
	pcap_dump((u_char *)w->dump, &h, pkt);
	free(pkt);
	return true;
}

void capture_writer_close(struct capture_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->dump);
	pcap_close(w->dead);
	free(w);
}
