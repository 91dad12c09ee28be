/* An engine's message timeline as a pcap. */
#include "report/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/sa.h"
#include "wire/names.h"
#include "transport/transport.h"

static void timeline_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void timeline_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool timeline_addr(const struct netaddr *in, struct capture_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (in->family != AF_INET && in->family != AF_INET6)
		return false;
	out->family = in->family;
	memcpy(out->ip, in->ip, in->family == AF_INET ? 4 : 16);
	out->port = in->port;
	return true;
}

bool timeline_uses_marker(const struct timeline_opts *o)
{
	return o->natt || o->local.port == TRANSPORT_NATT_PORT ||
	       o->peer.port == TRANSPORT_NATT_PORT;
}

bool timeline_opts_from_engine(struct ike_engine *e, struct timeline_opts *out)
{
	memset(out, 0, sizeof(*out));
	struct ike_sa *sa = ike_engine_sa(e);
	if (!sa)
		return false;
	out->local = sa->local;
	out->peer = sa->peer;
	out->natt = timeline_uses_marker(out);
	out->event_ends = sa->natt_floated;
	return true;
}

/* Whether an event is a frame of the pcap: it has a datagram, and is not
 * a received duplicate left out. timeline_add and timeline_write_frames
 * share it, so the frame list numbers exactly the pcap's frames. */
static bool timeline_in_pcap(const struct ike_event *ev, const struct timeline_opts *o)
{
	return ev->datagram.len && !(o->skip_duplicates && ev->duplicate && !ev->sent);
}

bool timeline_add(struct capture_writer *w, const struct ike_result *r,
		  const struct timeline_opts *o, size_t *written, char *err, size_t errlen)
{
	size_t n = 0;
	if (written)
		*written = 0;
	struct capture_addr local, peer;
	if (!timeline_addr(&o->local, &local) || !timeline_addr(&o->peer, &peer)) {
		timeline_seterr(err, errlen, "timeline: local or peer address is not set");
		return false;
	}
	if (local.family != peer.family) {
		timeline_seterr(err, errlen, "timeline: local and peer are of different families");
		return false;
	}
	bool marker = timeline_uses_marker(o);
	for (size_t i = 0; i < r->nevent; i++) {
		const struct ike_event *ev = &r->event[i];
		if (!timeline_in_pcap(ev, o))
			continue;
		uint64_t us = (uint64_t)o->start.tv_sec * 1000000u + (uint64_t)o->start.tv_usec +
			      ev->time_ms * 1000u;
		struct timeval ts = { .tv_sec = (time_t)(us / 1000000u),
				      .tv_usec = (suseconds_t)(us % 1000000u) };
		struct capture_addr el, ep;
		const struct capture_addr *l = &local, *p = &peer;
		bool mk = marker;
		/* the event's own ends when the engine knew them (a NAT-T float
		   moves them mid-exchange) */
		if (o->event_ends && ev->local.family == local.family &&
		    ev->peer.family == local.family &&
		    timeline_addr(&ev->local, &el) && timeline_addr(&ev->peer, &ep)) {
			l = &el;
			p = &ep;
			mk = ev->natt;
		}
		const struct capture_addr *src = ev->sent ? l : p;
		const struct capture_addr *dst = ev->sent ? p : l;
		if (!capture_writer_add(w, &ts, src, dst, mk, ev->datagram.ptr,
					ev->datagram.len)) {
			timeline_seterr(err, errlen, "timeline: event %zu (%zu bytes) could not be written",
					i, ev->datagram.len);
			return false;
		}
		n++;
	}
	if (written)
		*written = n;
	return true;
}

bool timeline_write_pcap(const char *path, const struct ike_result *r,
			 const struct timeline_opts *o, size_t *written, char *err,
			 size_t errlen)
{
	struct capture_writer *w = capture_writer_open(path, err, errlen);
	if (!w)
		return false;
	bool ok = timeline_add(w, r, o, written, err, errlen);
	capture_writer_close(w);
	return ok;
}

/* The earlier frame (1-based) with the same bytes as event i, 0 when
 * none: a retransmission, a reply resent, a duplicate received. */
static size_t timeline_copy_of(const struct ike_result *r, const struct timeline_opts *o,
			       size_t i)
{
	const chunk_t *d = &r->event[i].datagram;
	for (size_t k = 0, frame = 0; k < i; k++) {
		const struct ike_event *ev = &r->event[k];
		if (!timeline_in_pcap(ev, o))
			continue;
		frame++;
		if (ev->datagram.len == d->len && !memcmp(ev->datagram.ptr, d->ptr, d->len))
			return frame;
	}
	return 0;
}

/* One frame's line: number, direction, message, message ID and flags as
 * the datagram's own header has them (a mutation may have changed both). */
static void timeline_frame_line(FILE *f, const struct ike_result *r,
				const struct timeline_opts *o, size_t i, size_t frame)
{
	const struct ike_event *ev = &r->event[i];
	const uint8_t *p = ev->datagram.ptr;
	bool hdr = ev->datagram.len >= 28;
	uint32_t msgid = hdr ? (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 |
				       (uint32_t)p[22] << 8 | p[23]
			     : 0;
	size_t copy = timeline_copy_of(r, o, i);
	fprintf(f, "%zu\t%s\t%s\t", frame, ev->sent ? "sent" : "recv", ike_kind_name(ev->kind));
	if (hdr)
		fprintf(f, "%08" PRIx32 "\t", msgid);
	else
		fprintf(f, "-\t");
	int n = 0;
	if (ev->sent && ev->mutated)
		n += fprintf(f, "mutated");
	if (hdr && (p[19] & 0x01))
		n += fprintf(f, "%senc", n ? "," : "");
	if (copy)
		n += fprintf(f, "%scopy=%zu", n ? "," : "", copy);
	fprintf(f, "%s\n", n ? "" : "-");
}

bool timeline_write_frames(const char *path, const struct ike_result *r,
			   const struct timeline_opts *o, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		timeline_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	fprintf(f, "# frame\tdir\tmessage\tmsgid\tflags (mutated, enc, copy=FRAME)\n");
	for (size_t i = 0, frame = 0; i < r->nevent; i++)
		if (timeline_in_pcap(&r->event[i], o))
			timeline_frame_line(f, r, o, i, ++frame);
	if (fclose(f) != 0) {
		timeline_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

void timeline_print(FILE *f, const struct ike_result *r)
{
	char ex[40], lo[64], pe[64];
	uint64_t t0 = r->nevent ? r->event[0].time_ms : 0;
	for (size_t i = 0; i < r->nevent; i++) {
		const struct ike_event *ev = &r->event[i];
		netaddr_str(&ev->local, lo, sizeof(lo));
		netaddr_str(&ev->peer, pe, sizeof(pe));
		fprintf(f, "%6" PRIu64 " ms %s %-8s %s msgid %08" PRIx32 " %zu bytes %s %s %s%s%s%s%s\n",
			ev->time_ms - t0, ev->sent ? "sent" : "recv", ike_kind_name(ev->kind),
			names_fmt(NAMES_EXCHANGE, ev->exchange, ex, sizeof(ex)), ev->msgid,
			ev->length, lo, ev->sent ? "->" : "<-", pe,
			ev->retransmit ? " (retransmission)" : "",
			ev->duplicate ? " (duplicate)" : "", ev->note[0] ? ": " : "", ev->note);
	}
	char nt[48];
	for (size_t i = 0; i < r->nnotify; i++)
		fprintf(f, "%6" PRIu64 " ms notify %s %s%s\n", r->notify[i].time_ms - t0,
			r->notify[i].sent ? "sent" : "received",
			names_fmt(NAMES_NOTIFY, r->notify[i].type, nt, sizeof(nt)),
			r->notify[i].protected_ ? " (protected)" : "");
	if (r->failed)
		fprintf(f, "script failed at step %zu: %s\n", r->failed_step + 1, r->error);
	else
		fprintf(f, "script %s\n", r->finished ? "finished" : "did not finish");
}
