#!/bin/sh
# Picks the process this container runs from its first argument; `exec` makes node PID 1, so the
# SIGTERM of `docker stop` or a pod's termination reaches the process's own graceful shutdown.
set -eu
role="${1:-gateway}"
[ "$#" -gt 0 ] && shift
case "$role" in
  gateway)
    exec node gateway/dist/main.js "$@" ;;
  milestones|prisoners|corridors|guarantors)
    exec node "services/$role/dist/index.js" "$@" ;;
  prisoners-rotate-keys)
    exec node services/prisoners/dist/rotate-keys.js "$@" ;;
  prisoners-purge-personal-data)
    exec node services/prisoners/dist/purge-personal-data.js "$@" ;;
  *)
    echo "Unknown process \"$role\": give one of gateway, milestones, prisoners, corridors, guarantors" >&2
    echo "(or prisoners-rotate-keys, prisoners-purge-personal-data), e.g. docker run treaty-graph milestones" >&2
    exit 64 ;;
esac
