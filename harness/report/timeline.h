/* An engine's message timeline as a pcap: every datagram it sent or
 * received, as the UDP packet it was, with its time.
 *
 * The caller says where the two ends were: normally the SA's local and
 * peer addresses (ike_engine_sa(e)->local / ->peer). With event_ends, each
 * event's own ends are used where the engine recorded them, since a NAT-T
 * float moves them to the NAT-T ports mid-exchange. */
#ifndef IKEC_REPORT_TIMELINE_H
#define IKEC_REPORT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/time.h>

#include "core/addr.h"
#include "ike/engine.h"
#include "report/capture.h"

struct timeline_opts {
	struct netaddr local;     /* the engine's address and port */
	struct netaddr peer;      /* the other end's */
	bool natt;                /* the exchange ran on the NAT-T port: every
				     datagram gets the non-ESP marker (also
				     implied when either port is 4500) */
	struct timeval start;     /* wall time of engine time 0; zero: the
				     timestamps are the engine's milliseconds
				     since the epoch (1970-01-01 plus ms) */
	bool skip_duplicates;     /* leave out datagrams received again */
	bool event_ends;          /* each event's recorded ends where known
				     (set by timeline_opts_from_engine after a
				     float) */
};

/* Options from an engine's SA (local, peer, natt from the ports) with start
 * zero. False when the engine has no SA yet (a responder that heard nothing). */
bool timeline_opts_from_engine(struct ike_engine *e, struct timeline_opts *out);
/* Whether datagrams between these ends carry the non-ESP marker. */
bool timeline_uses_marker(const struct timeline_opts *o);

/* Add the timeline's datagrams to an open writer, in order: sent ones from
 * local to peer, received ones from peer to local, each at start + its
 * time_ms. *written (may be NULL) gets the packets written; events without
 * a datagram are skipped. False (with err) when the addresses are unusable
 * or a packet cannot be written. */
bool timeline_add(struct capture_writer *w, const struct ike_result *r,
		  const struct timeline_opts *o, size_t *written, char *err, size_t errlen);
/* The same into a new pcap file at path. */
bool timeline_write_pcap(const char *path, const struct ike_result *r,
			 const struct timeline_opts *o, size_t *written, char *err,
			 size_t errlen);

/* Beside the pcap, what each of its frames is (TIMELINE_FRAMES_FILE in a
 * case's artifacts), for ike-conform check-captures: a comment line, then
 * per frame "FRAME\tsent|recv\tMESSAGE\tMSGID\tFLAGS" with the message
 * ID from the datagram's header ("-" when shorter than one) and FLAGS a
 * comma list or "-": mutated (sent with its step's mutations), enc (the
 * header's E bit), copy=N (the same bytes as frame N: a retransmission, a
 * reply resent, a duplicate received). False with err on a write error. */
#define TIMELINE_FRAMES_FILE "ike.frames"
bool timeline_write_frames(const char *path, const struct ike_result *r,
			   const struct timeline_opts *o, char *err, size_t errlen);

/* The timeline as text, one line per datagram (time, direction, kind,
 * exchange, message ID, length, ends, notes), then the notifies and how the
 * script ended: the harness's log of a case and its JUnit system-out. */
void timeline_print(FILE *f, const struct ike_result *r);

#endif
