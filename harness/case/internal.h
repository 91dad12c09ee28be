/* Shared by the files of harness/case/ (internal: not for other modules).
 *
 *   case.c       one case: both sides configured, the engine driven, the
 *                peer's view awaited, then the checks, then the record
 *   config.c     the two configurations from one spec
 *   pump.c       the packet pump the checks run the data plane with
 *   traffic.c    pings and UDP tokens through the child, counters, the wire
 *   measure.c    round trip and throughput (make bench)
 *   hold.c       the SA held: rekey, keepalives, a NAT remap
 *   cross.c      the harness's record against the peer's view
 *   artifacts.c  what the harness saw, beside the peer's files */
#ifndef IKEC_CASE_INTERNAL_H
#define IKEC_CASE_INTERNAL_H

#include <sys/types.h>

#include "case/case.h"
#include "transport/transport.h"

/* How often the peer's view is read while waiting for it. */
#define CASE_POLL_MS 2

bool case_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append to a string, silently cut at len. */
void case_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- config.c ---- */

/* The harness's engine configuration for the case. */
bool case_config_ours(const struct case_net *net, const struct case_spec *s,
		      struct ike_config *c, char *err, size_t errlen);
/* The peer's, with the case's artifact folder made (its path into art). */
bool case_config_theirs(const struct case_net *net, const struct case_spec *s,
			struct peer *peer, struct peer_case *pc, char *art, size_t artlen,
			char *err, size_t errlen);
/* Phase 1 only: a suite case without phase2. */
bool case_p1_only(const struct case_spec *s);

/* ---- pump.c ---- */

struct case_pump {
	struct ike_engine *e;
	struct transport *t;
	struct esp_user *u;            /* the userspace data plane, or */
	struct esp_xfrm *x;            /* the kernel's */
	struct live_capture *cap;      /* the harness's link, both ways: traffic.pcap */
	struct live_capture *wire[2];  /* what each end sends: the wire check */
};
/* Move packets for up to wait_ms: ESP to the data plane, IKE to the
 * engine (it keeps answering), the TUN's packets out. */
void case_pump(struct case_pump *p, int wait_ms);
/* case_pump as a case_pump_fn. */
void case_pump_cb(void *ctx, int wait_ms);
/* The data plane follows the engine: new children in, dead ones out. */
void case_dp_sync(struct case_pump *p);
/* The hosts the probes go between (the harness's, the peer's). */
void case_probe_hosts(const struct case_net *net, char hs[64], char ps[64]);
/* A UDP socket bound inside ns (non-blocking); -1 with err. */
int case_udp_socket(const char *ns, const char *host, uint16_t port, char *err,
		    size_t errlen);
/* Pump until the process ends or limit; its exit status (-1: killed);
 * echo_fd >= 0 echoes what arrives on it meanwhile. */
int case_wait_pid(struct case_pump *p, pid_t pid, uint32_t limit_ms, int echo_fd);

/* ---- traffic.c ---- */

/* Whose ESP carries the harness's side (AUTO: the kernel's when it has it). */
bool case_use_xfrm(enum case_dataplane dp);
/* The traffic check into r->traffic. */
void case_traffic_check(struct peer *peer, const struct case_net *net,
			const struct peer_case *pc, const char *art, struct ike_engine *e,
			struct transport *t, struct case_result *r, uint32_t measure_ms,
			bool xfrm);

/* ---- hold.c ---- */

/* The peer's rekey margin for the case (it rekeys what it initiated). */
void case_rekey_peer(const struct case_spec *s, struct peer_case *pc);
/* The hold into r->rekey. */
void case_hold_run(struct peer *peer, const struct case_net *net, const struct peer_case *pc,
		   const char *art, struct ike_engine *e, struct transport *t,
		   const struct case_spec *s, struct case_result *r);

/* ---- artifacts.c ---- */

/* harness.log, ike.pcap, the key tables and the seeds into art. */
void case_write_artifacts(const char *art, const struct case_spec *s, struct ike_engine *e,
			  const struct case_result *r);

#endif
