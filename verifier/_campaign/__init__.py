"""Campaigns: `verifier search` and `verifier check` spread over many processes and machines.

A campaign runs on a dask.distributed cluster: a `LocalCluster` of N worker processes on this
machine (`--workers N`), or an existing scheduler (`--scheduler ADDRESS`, e.g. one started by
dask-jobqueue on SLURM or by the Kubernetes operator; see docs/campaigns.md). Searches run as
independent seeded shards that write every certified finding to one SQLite store the moment it
is found (`verifier._search._store`), so a worker killed mid-run loses nothing and the next run
replays what was found. Importing this package loads no dask: a campaign does.
"""

from verifier._campaign._check import check_campaign as check_campaign
from verifier._campaign._cluster import ClusterSpec as ClusterSpec
from verifier._campaign._search import search_campaign as search_campaign

__all__ = ["ClusterSpec", "check_campaign", "search_campaign"]
