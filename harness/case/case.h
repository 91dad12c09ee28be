/* One interop case end to end: the engine in the harness namespace against
 * a peer driver (strongSwan, self) in the peer namespace, in either
 * direction, then the peer's own view cross-checked against the engine's
 * record. The suite runner (run/run.h) calls this per case. */
#ifndef IKEC_CASE_CASE_H
#define IKEC_CASE_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include "esp/esp.h"
#include "ike/engine.h"
#include "netns/netns.h"
#include "peers/peer.h"
#include "pki/pki.h"
#include "report/live.h"

/* Where things are: namespaces and addresses as each side must use them. */
/* A vendor's device (peers/remote): its credentials and pacing replace the
 * test PKI's and the suite's. */
struct case_device {
	const char *psk;                  /* wins over the case's */
	struct ike_id harness_id, device_id; /* type 0: the IKE addresses */
	const char *key, *cert, *ca;      /* the harness's, for signature auth */
	const char *ping;                 /* the host behind the device the pings go to */
	const char *harness_host;         /* the harness's own address in its selector */
	uint32_t rate_pps;                /* the engine's datagrams per second at most */
};

struct case_net {
	const char *harness_ns;           /* the engine's sockets are opened here */
	struct netaddr harness;           /* the harness's own address */
	struct netaddr harness_public;    /* what the peer must send to */
	struct netaddr peer;              /* the peer's own address */
	struct netaddr peer_public;       /* what the harness must send to */
	const char *harness_ts, *peer_ts; /* test subnets ("10.1.0.1/32") */
	const char *peer_ns;              /* for probes from the peer's side */
	const char *harness_if;           /* the harness's link, captured during probes */
	const char *peer_if;              /* the peer's end of its link */
	const char *probe_bin;            /* ike-conform, for UDP probes at the peer's end
					     (NULL: pings only) */
	struct netns_topo *topo;          /* for NAT remaps (NULL: none possible) */
	const struct case_device *device; /* NULL: a peer of ours */
};

/* More IKE/CHILD SA attempts than this in one case is a peer in a loop. */
#define CASE_LOOP_LIMIT 8

enum case_dataplane {
	CASE_DP_AUTO,                  /* the kernel's when it has ESP, else (and for
					  ESP in UDP) userspace */
	CASE_DP_USER,                  /* esp/user.h */
	CASE_DP_XFRM,                  /* esp/xfrm.h */
};

/* A per-side switch that may follow a shared default. */
enum case_tri { CASE_TRI_DEFAULT, CASE_TRI_OFF, CASE_TRI_ON };

/* One side's identity and credentials in a case; zero: the defaults (the
 * test PKI's moon for the harness and sun for the peer, FQDN IDs with
 * signatures, addresses with PSKs). */
struct case_ident {
	const struct ike_id *local_id;    /* NULL: the default */
	const struct ike_id *remote_id;   /* NULL: the default */
	bool remote_any;                  /* accept any ID */
	const char *cert;                 /* a test-PKI credential by name (pki.h);
					     NULL: the side's host for the auth */
	enum peer_send send_cert;         /* the harness: DEFAULT, ALWAYS or NEVER */
	enum case_tri send_chain, send_cr;
	bool has_trust;                   /* the CAs it knows (else the run's bundle) */
	enum pki_trust trust;
	bool crl;                         /* the test PKI's CRL loaded */
	bool has_id_checks;
	enum ike_id_checks id_checks;
	struct { struct ike_id id; const char *psk; } psks[IKE_MAX_PSKS];
	size_t npsks;                     /* the peer's: PSKs by the harness's ID */
};

struct case_spec {
	const char *name;                 /* [a-z0-9-] */
	bool harness_initiates;
	uint8_t exchange;                 /* WIRE_X_MAIN or WIRE_X_AGGR */
	uint16_t auth;                    /* IKE_AUTH_PSK, _RSA, _ECDSA_* */
	const char *p1, *p2;              /* "aes128-sha256-modp2048", "aes128-sha256" */
	const char *peer_p1, *peer_p2;    /* the peer's, when they differ (NULL: same) */
	uint32_t ike_life, child_life;    /* seconds, 0: not configured */
	uint32_t child_life_kb;           /* kilobytes, 0: not configured */
	bool force_encap;                 /* no NAT, ESP in UDP anyway (strongSwan's
					     kernel-libipsec needs it) */
	struct pki_testpki *pki;          /* signature auth: harness "moon", peer "sun"
					     (named credentials made beforehand) */
	const char *ca_file;              /* trust anchors for both (PEM, may hold several) */
	uint32_t limit_ms;                /* the whole case (0: 10 s) */
	bool traffic;                     /* after Phase 2: probes through the SAs */
	enum case_dataplane dataplane; /* whose ESP carries the harness's side */
	uint32_t measure_ms;              /* with traffic: also round trip and a UDP flood
					     of this long (make bench) */
	/* From a suite case (harness/run); each wins over the above when set. */
	const struct ike_p1_xform *p1x;   /* the harness's proposal, lifetimes included */
	const struct ike_p2_xform *p2x;   /* its ESP proposal, PFS group and mode inside */
	const struct ike_p1_xform *peer_p1x; /* the peer's proposals */
	size_t npeer_p1x;
	const char *psk;                  /* NULL: a fixed one */
	const struct ike_step *script;    /* NULL: the standard exchange */
	size_t nsteps;
	/* NAT-T and lifetimes per side (issue 7); zero: as above */
	enum ike_life_policy life_policy; /* the harness's as responder */
	uint8_t natt;                     /* the harness's NAT-T versions (0: all) */
	bool no_natt;                     /* the harness announces none */
	enum case_tri harness_force, peer_force; /* claim a NAT (else force_encap) */
	uint8_t peer_natt;                /* the peer's NAT-T versions (0: its default) */
	bool peer_no_natt;                /* the peer announces none */
	bool peer_child_life_set;         /* the peer's child lifetime, not the harness's */
	uint32_t peer_child_life_sec, peer_child_life_kb;
	bool peer_fakes_nat;              /* the peer claims a NAT whatever it is told
					     (charon on kernel-libipsec) */
	bool no_life_check;               /* lifetimes left out of the cross-check (the
					     case judges each side's own) */
	bool peer_life_policy_set;
	enum ike_life_policy peer_life_policy;
	const char *artifacts;            /* the case's folder (NULL: the peer's dir/name):
					     harness.log, wire.pcap, wireshark/ tables */
	const char *seeds;                /* a fuzzing corpus folder (report/seeds.h) */
	const char *seeds_label;          /* names the mutated datagrams' seeds */
	/* Lifetimes (issue 7): after the traffic check, keep the SA for
	 * hold_ms with a ping every CASE_HOLD_PING_MS from the harness's
	 * test host to the peer's; with rekey, whoever initiated the Quick
	 * Mode replaces the child rekey_margin_ms (0: a third of child_life)
	 * before it expires. 0: no hold. */
	uint32_t hold_ms;
	bool rekey;
	uint32_t rekey_margin_ms;
	/* NAT keepalives (RFC 3948 2.3) every keepalive_ms from whichever side
	 * is behind a NAT (or claims one), both the harness and the peer; the
	 * hold's capture counts them. 0: the harness sends none, the peer
	 * keeps its default. */
	uint32_t keepalive_ms;
	/* Halfway through the hold this NAT box maps the flows anew
	 * (NETNS_ROLE_NAT_HARNESS or _NAT_PEER; 0: none); the harness then
	 * sends an authenticated DPD from the new mapping (RFC 3947 7). */
	int remap_box;
	struct case_ident ours, theirs;   /* IDs and credentials of each side */
};

/* Round trip and throughput through a tunnel, for make bench. */
struct case_measure {
	bool ran;
	double rtt_ms;                      /* ping average (20 echoes, 10 ms apart) */
	uint64_t sent, delivered;           /* flood datagrams, and what the peer's SA took in */
	uint64_t bytes;                     /* the peer's inbound byte count over the flood */
	double seconds, mbps;               /* delivered inner bytes per second, in Mbit/s */
};
#define CASE_FLOOD_SIZE 1400             /* UDP payload of a flood datagram */

/* Measure from ns (src -> dst, addresses of the test subnets) while pump
 * (may be NULL) moves packets; view reads the receiving side's counters
 * (before and after the flood). Used for the harness's data plane and for
 * two strongSwans alike, so the numbers compare. */
typedef void (*case_pump_fn)(void *ctx, int wait_ms);
bool case_measure(const char *ns, const char *src, const char *dst, uint32_t flood_ms,
		     case_pump_fn pump, void *ctx, struct peer *viewer,
		     const struct peer_case *vcase, const char *log, struct case_measure *m,
		     char *err, size_t errlen);

/* The traffic check: pings both ways through the child SA (userspace
 * ESP in UDP on the harness side), and both sides' counters. */
struct case_traffic {
	bool ran, ok;
	char why[600];
	unsigned out_replies, in_replies;   /* of CASE_PINGS each way */
	bool udp_out, udp_in;               /* the UDP token came back, each way */
	uint64_t expired;                   /* packets our data plane refused: SA expired */
	bool kernel;                        /* the harness's side ran on the kernel's ESP */
	struct esp_counters in, out;        /* the harness's SA pair */
	bool captured;
	bool bad_ok;                        /* replays and forged ICVs dropped at both ends */
	struct live_summary wire;           /* the harness's link during the probes */
	uint64_t ms;                        /* both probes */
	struct case_measure m;           /* with measure_ms */
};
#define CASE_PINGS 3

/* What happened while the SA was held (case_spec.hold_ms). */
struct case_hold {
	bool ran, ok;                       /* ok: what the spec asked happened */
	char why[400];                      /* what did not, or what did */
	unsigned children;                  /* child SAs the engine ended with */
	uint32_t old_spi_in, new_spi_in;    /* the held child and its successor */
	bool rekeyed_by_us;                 /* our engine started the rekey */
	bool new_before_expiry;             /* the successor was up before the
					       old child's lifetime ended */
	uint64_t lead_ms;                   /* by this much */
	bool old_deleted;                   /* the old child marked deleted */
	bool delete_sent, delete_rx;        /* by a Delete we sent / received */
	uint64_t delete_after_ms;           /* the old child died this long after
					       its successor came up */
	uint64_t new_in, new_out;           /* packets through the successor here */
	uint64_t old_out_after;             /* packets sealed on the old child
					       after it died: must stay 0 */
	bool peer_on_new;                   /* the peer's view names the successor */
	unsigned pings_sent, pings_lost;
	uint64_t expired_drops;             /* esp_user_expired over the hold */
	uint64_t retired_drops;             /* esp_user_retired over the hold */
	uint64_t ms;                        /* the hold, as it ran */
	/* NAT keepalives on the harness's link during the hold */
	bool ka_captured;
	size_t ka_from_harness, ka_from_peer;
	uint64_t ka_gap_min[2], ka_gap_max[2]; /* ms between them: harness's, peer's */
	/* a NAT remap halfway through */
	bool remapped, dpd_acked;
	uint16_t peer_port_before, peer_port_after; /* the peer's view of our port */
	unsigned pings_after_remap, lost_after_remap; /* from a second after it */
};
#define CASE_HOLD_PING_MS 150

struct case_result {
	bool harness_ok;                  /* the engine's script ran to its end */
	bool established;                 /* both sides hold the IKE SA and a child */
	bool agree;                       /* the cross-check passed */
	char why[2048];                   /* what failed, with both views */
	uint64_t ms;                      /* first datagram to both sides established */
	size_t attempts;                  /* the peer's IKE/CHILD SA attempts (when watched) */
	bool loops;                       /* more than CASE_LOOP_LIMIT: the case fails */
	struct peer_sa_view view;         /* the peer's */
	uint16_t notify_rx[8];            /* notifies the harness received */
	size_t nnotify_rx;
	uint16_t notify_tx[8];            /* and sent */
	size_t nnotify_tx;
	enum ike_kind notify_rx_after[8]; /* the last exchange message (either way)
					     before each: what it answers */
	enum ike_kind notify_tx_after[8];
	struct case_traffic traffic;
	struct case_hold rekey;       /* with hold_ms */
	/* the harness's record */
	struct ike_p1_xform p1;
	struct ike_child child;           /* keys not kept */
	bool have_child;
	bool heard;                       /* the harness received anything from the peer */
	char harness_error[480];          /* why the harness's script failed ("" when not) */
	bool mutation_unfit;              /* because a mutation had no place in the
					     message: no verdict on the peer */
	/* NAT-T as the harness saw it (the peer's own is in view) */
	uint8_t natt_version;             /* agreed: enum ike_natt_version */
	bool nat_local, nat_peer;         /* NAT-D: the harness, the peer behind a NAT */
	bool natd_rx;                     /* the peer sent NAT-D payloads */
	bool floated;                     /* IKE moved to the NAT-T port */
	uint16_t harness_port, peer_port; /* the IKE ports at the end (harness's view) */
	bool harness_forced, peer_forced; /* each side claimed a NAT (natt_force) */
	enum ike_kind float_kind;         /* the first message on the NAT-T port (RFC
					     3947 4: the initiator's mm5 or am3) */
	struct ike_id our_id, peer_id;    /* the phase-1 IDs the harness sent and got
					     (type 0: none) */
};

/* Run one case. False only when the case could not be run at all (err set);
 * its outcome is in r. */
bool case_run(struct peer *peer, const struct case_net *net, const struct case_spec *s,
		 struct case_result *r, char *err, size_t errlen);

/* Compare the harness's record with the peer's view; false with the
 * differences (and both views) in why. */
bool case_cross_check(const struct ike_p1_xform *p1, const struct ike_child *child,
			 const struct peer_sa_view *v, char *why, size_t len);


#endif
