/*
 * worker.h — one worker process: IG_THREADS threads, each accepting FastCGI
 * connections on the shared listening socket and running the pipeline.
 */
#ifndef IG_FCGI_WORKER_H
#define IG_FCGI_WORKER_H

#include "lib/core/metrics.h"

#include <sys/types.h>

/*
 * Run a worker on the listening socket listen_fd until SIGTERM, SIGINT or
 * SIGHUP; then stop accepting, let in-flight requests finish and return the
 * process exit status (0). Called in the child right after fork(); master is
 * the pid of the process that forked it (the worker exits when its parent is
 * no longer that process, which may well be pid 1 in a container).
 */
int ig_worker_run(int listen_fd, ig_metrics *m, int slot, pid_t master);

#endif
