// Package stress proves, with real processes, that Stemma keeps working and
// loses nothing under load, faults and hostile callers: a cluster of its
// own (PostgreSQL, a Redis Cluster, one licences process, replicated catalog and
// lineage services, two gateways, a webhook receiver), a load driver that
// keeps a ledger of every acknowledged write, subscribers to the events of
// a family of works (a webhook and a resuming watch stream per lineage
// replica), a schedule of faults injected while the load runs, and the
// checks and figures afterwards (docs/reliability.md).
//
// `make stress` runs the long version and writes the figures; `make test`
// runs a short one.
package stress
