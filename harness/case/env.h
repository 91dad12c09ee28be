/* A run's surroundings for its cases: the topology (any kind, or toward a
 * vendor's device), the test PKI and the addresses each side uses, as the
 * case_net that case_run takes. The suite runner's workers, the smoke
 * command and the tests set one up; case_env_down removes what it made. */
#ifndef IKEC_CASE_ENV_H
#define IKEC_CASE_ENV_H

#include "case/case.h"

/* A run's surroundings: a `direct` topology, the test PKI (moon for the
 * harness, sun for the peer) with one CA bundle, and the addresses. */
struct case_env {
	char dir[600];                    /* made by the caller; the PKI goes in dir/pki */
	struct netns_topo *topo;
	struct pki_testpki *pki;
	char ca[640];
	struct case_net net;
	char hts[80], pts[80];
};
/* The test PKI in dir/pki (the folder made) and its CA bundle
 * (root and intermediate) in v->ca; false with err, nothing kept. */
bool case_env_pki(struct case_env *v, const char *dir, char *err, size_t errlen);
/* The PKI in dir and a direct topology (netns names start with prefix). */
bool case_env_up(struct case_env *v, const char *dir, const char *prefix, char *err,
		    size_t errlen);
/* The topology part alone (any kind), on an env whose PKI is already there
 * (a worker of the suite runner shares its parent's). */
bool case_env_topo_up(struct case_env *v, enum netns_topology kind, const char *prefix,
			 char *err, size_t errlen);
/* Toward a device (netns_topo_remote): the harness's namespace alone, no
 * peer namespace, the device's selectors and credentials (dev, borrowed). */
bool case_env_remote_up(struct case_env *v, const struct netns_remote *rm,
			   const char *harness_ts, const char *device_ts,
			   const struct case_device *dev, const char *prefix, char *err,
			   size_t errlen);
/* Teardown; false (with err) when something could not be removed. */
bool case_env_down(struct case_env *v, char *err, size_t errlen);

#endif
