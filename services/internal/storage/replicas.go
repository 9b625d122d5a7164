package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/stemma-registry/stemma/services/internal/consistency"
)

// Defaults of the replica options.
const (
	DefaultMaxReplicaLag = 2 * time.Second
	defaultReplicaPoll   = 100 * time.Millisecond
)

// why a read did not go to a replica, best first: a replica that is only
// behind the request's token is closer to usable than a lagging one.
type bypass int

const (
	usable bypass = iota
	behindToken
	lagging
	down
)

var bypassNames = [...]string{usable: "", behindToken: "behind_token", lagging: "lagging", down: "down"}

// replica is one read replica: its pool, and what the poller last saw of
// it, which reads consult without a query of their own.
type replica struct {
	name   string // host:port, never the URL's credentials
	pool   *sql.DB
	up     atomic.Bool
	replay atomic.Uint64 // pg_last_wal_replay_lsn
	lag    atomic.Int64  // nanoseconds behind the primary
}

func (r *replica) state(need consistency.LSN, maxLag time.Duration) bypass {
	switch {
	case !r.up.Load():
		return down
	case time.Duration(r.lag.Load()) > maxLag:
		return lagging
	case consistency.LSN(r.replay.Load()) < need:
		return behindToken
	}
	return usable
}

// sample is the primary's WAL position at a time.
type sample struct {
	at  time.Time
	lsn consistency.LSN
}

// router sends reads to the replicas that may serve them and the rest to
// the primary. A background poller refreshes each replica's health, replay
// position and lag.
type router struct {
	primary  *sql.DB
	replicas []*replica
	maxLag   time.Duration
	poll     time.Duration
	next     atomic.Uint64
	// floor is the position every read must see, token or not: the
	// schema as this process opened it, and with ReadOwnWrites its every
	// write.
	floor     atomic.Uint64
	ownWrites bool
	samples   []sample // the poller's own
	metrics   *replicaMetrics
	service   string
	log       *slog.Logger
	stop      context.CancelFunc
	stopped   sync.WaitGroup
}

// openReplicas opens a pool per read replica, with the primary's search
// path, and starts polling them. A replica that does not answer yet is
// left out until it does: the primary serves its reads.
func openReplicas(primary *sql.DB, o Options, schema string, n int) (*router, error) {
	m, err := newReplicaMetrics(o.Metrics)
	if err != nil {
		return nil, err
	}
	r := &router{primary: primary, maxLag: o.MaxReplicaLag, poll: o.ReplicaPoll, ownWrites: o.ReadOwnWrites,
		metrics: m, service: o.Service, log: o.Logger}
	if r.maxLag <= 0 {
		r.maxLag = DefaultMaxReplicaLag
	}
	if r.poll <= 0 {
		r.poll = defaultReplicaPoll
	}
	for _, u := range o.ReadURLs {
		cfg, err := pgx.ParseConfig(u)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("storage: database read URL: %w", err)
		}
		cfg.RuntimeParams["search_path"] = schema
		pool := stdlib.OpenDB(*cfg)
		pool.SetMaxOpenConns(n)
		pool.SetMaxIdleConns(n)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		r.replicas = append(r.replicas, &replica{name: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), pool: pool})
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	r.refresh(ctx)
	r.stopped.Add(1)
	go r.run(ctx)
	return r, nil
}

func (r *router) run(ctx context.Context) {
	defer r.stopped.Done()
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.refresh(ctx)
		}
	}
}

func (r *router) close() error {
	if r.stop != nil {
		r.stop()
		r.stopped.Wait()
	}
	var err error
	for _, rep := range r.replicas {
		err = errors.Join(err, rep.pool.Close())
	}
	return err
}

// refresh samples the primary's WAL position, then each replica's: a
// replica is as far behind as the oldest sample it has not replayed is
// old, so an idle primary (no new WAL) leaves no replica lagging.
func (r *router) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(r.poll, time.Second))
	defer cancel()
	now := time.Now()
	var cur string
	if err := r.primary.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&cur); err == nil {
		if lsn, err := consistency.ParseLSN(cur); err == nil && (len(r.samples) == 0 || lsn > r.samples[len(r.samples)-1].lsn) {
			r.samples = append(r.samples, sample{at: now, lsn: lsn})
		}
	}
	// Samples older than twice the bound only tell that a replica behind
	// them lags past it, which the oldest kept one tells as well.
	keep := 0
	for keep < len(r.samples)-1 && now.Sub(r.samples[keep].at) > 2*r.maxLag {
		keep++
	}
	r.samples = r.samples[keep:]
	for _, rep := range r.replicas {
		r.refreshReplica(ctx, rep, now)
	}
}

func (r *router) refreshReplica(ctx context.Context, rep *replica, now time.Time) {
	var (
		recovering bool
		replay     sql.NullString
	)
	err := rep.pool.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&recovering, &replay)
	if err == nil && (!recovering || !replay.Valid) {
		err = errors.New("not a standby in recovery (promoted?)")
	}
	var lsn consistency.LSN
	if err == nil {
		lsn, err = consistency.ParseLSN(replay.String)
	}
	if err != nil {
		if ctx.Err() != nil {
			return // closing
		}
		if rep.up.Swap(false) {
			r.log.Warn("read replica left out: reads go to the primary", "service", r.service, "replica", rep.name, "err", err)
		}
		r.metrics.up.WithLabelValues(r.service, rep.name).Set(0)
		return
	}
	lag := time.Duration(0)
	for _, s := range r.samples {
		if s.lsn > lsn {
			lag = now.Sub(s.at)
			break
		}
	}
	rep.replay.Store(uint64(lsn))
	rep.lag.Store(int64(lag))
	if !rep.up.Swap(true) {
		r.log.Info("read replica serving reads", "service", r.service, "replica", rep.name)
	}
	r.metrics.up.WithLabelValues(r.service, rep.name).Set(1)
	r.metrics.lag.WithLabelValues(r.service, rep.name).Set(lag.Seconds())
}

// pick returns the replica a read should go to, or nil for the primary.
// A request keeps to the source of its first read, unless that source can
// no longer serve it, and then keeps to the primary: its reads never see
// an older state than an earlier one did.
func (r *router) pick(ctx context.Context) *replica {
	t := consistency.From(ctx)
	need := max(t.LSN(), consistency.LSN(r.floor.Load()))
	if src, ok := t.Pinned(r); ok {
		if src < 0 {
			r.metrics.reads.WithLabelValues(r.service, "primary").Inc()
			return nil
		}
		if why := r.replicas[src].state(need, r.maxLag); why != usable {
			return r.toPrimary(t, why)
		}
		r.metrics.reads.WithLabelValues(r.service, "replica").Inc()
		return r.replicas[src]
	}
	best := down
	start := r.next.Add(1)
	for k := range r.replicas {
		i := int((start + uint64(k)) % uint64(len(r.replicas)))
		why := r.replicas[i].state(need, r.maxLag)
		if why == usable {
			t.Pin(r, i)
			r.metrics.reads.WithLabelValues(r.service, "replica").Inc()
			return r.replicas[i]
		}
		best = min(best, why)
	}
	return r.toPrimary(t, best)
}

func (r *router) toPrimary(t *consistency.Tracker, why bypass) *replica {
	t.Pin(r, -1)
	r.metrics.bypass.WithLabelValues(r.service, bypassNames[why]).Inc()
	r.metrics.reads.WithLabelValues(r.service, "primary").Inc()
	return nil
}

// failed reports whether a read's error on a replica means the primary
// should serve it instead: the replica is unreachable (it is left out
// until the poller finds it back), or it cancelled the query in conflict
// with the WAL it replays. The request keeps to the primary from then on.
func (r *router) failed(ctx context.Context, rep *replica, err error) bool {
	if rep == nil || err == nil || ctx.Err() != nil {
		return false
	}
	var pgErr *pgconn.PgError
	conflict := errors.As(err, &pgErr) && pgErr.Code == "40001"
	if !conflict && !isConnectionError(err) {
		return false
	}
	why := lagging
	if !conflict {
		why = down
		if rep.up.Swap(false) {
			r.log.Warn("read replica failed: reads go to the primary", "service", r.service, "replica", rep.name, "err", err)
		}
	}
	r.toPrimary(consistency.From(ctx), why)
	return true
}

// Routed runs single-statement reads on a replica that may serve them, or
// on the primary: see DB.Routed.
type Routed struct{ db *DB }

// Routed returns what reads outside transactions run on: with read
// replicas, one that has replayed the request's consistency token and is
// within the lag bound, else the primary; a replica that fails the query
// hands it to the primary, so its loss costs no request an error.
// Without replicas it is the read pool.
func (db *DB) Routed() Routed { return Routed{db} }

// QueryContext runs a query that returns rows.
func (q Routed) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rep := q.db.pick(ctx)
	if rep == nil {
		return q.db.read.QueryContext(ctx, query, args...)
	}
	rows, err := rep.pool.QueryContext(ctx, query, args...)
	if q.db.replicas.failed(ctx, rep, err) {
		return q.db.read.QueryContext(ctx, query, args...)
	}
	return rows, err
}

// QueryRowContext runs a query that returns at most one row.
func (q Routed) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	rep := q.db.pick(ctx)
	if rep == nil {
		return q.db.read.QueryRowContext(ctx, query, args...)
	}
	row := rep.pool.QueryRowContext(ctx, query, args...)
	if q.db.replicas.failed(ctx, rep, row.Err()) {
		return q.db.read.QueryRowContext(ctx, query, args...)
	}
	return row
}

// pick returns the replica a read goes to, or nil for the primary.
func (db *DB) pick(ctx context.Context) *replica {
	if db.replicas == nil {
		return nil
	}
	return db.replicas.pick(ctx)
}

// SeePrimary hands the request's tracker the primary's WAL position now,
// as a write does: for a read made on the primary (Reader) whose
// follow-up routed reads must not see an older state than it did.
func (db *DB) SeePrimary(ctx context.Context) { db.observeWrite(ctx) }

// observeWrite hands the request's tracker the primary's WAL position
// after a write committed: the token its later reads, and its caller's,
// must see. Only with replicas, and only for a request that has a tracker
// (or with ReadOwnWrites, where it raises the floor of every read).
func (db *DB) observeWrite(ctx context.Context) {
	t := consistency.From(ctx)
	if db.replicas == nil || t == nil && !db.replicas.ownWrites {
		return
	}
	lsn, err := db.replicas.position(ctx)
	if err != nil {
		db.log.WarnContext(ctx, "no primary position for the request's token: its reads go to the primary", "err", err)
		t.Pin(db.replicas, -1)
		return
	}
	t.Observe(lsn)
	if db.replicas.ownWrites {
		db.replicas.raiseFloor(lsn)
	}
}

// position returns the primary's WAL insert position, at or past the end
// of every commit record written so far.
func (r *router) position(ctx context.Context) (consistency.LSN, error) {
	var cur string
	if err := r.primary.QueryRowContext(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&cur); err != nil {
		return 0, err
	}
	return consistency.ParseLSN(cur)
}

func (r *router) raiseFloor(lsn consistency.LSN) {
	for {
		old := r.floor.Load()
		if uint64(lsn) <= old || r.floor.CompareAndSwap(old, uint64(lsn)) {
			return
		}
	}
}

type replicaMetrics struct {
	reads  *prometheus.CounterVec
	bypass *prometheus.CounterVec
	lag    *prometheus.GaugeVec
	up     *prometheus.GaugeVec
}

// newReplicaMetrics registers the metrics of read routing, once per
// registry: the services of one process share them, by label.
func newReplicaMetrics(reg prometheus.Registerer) (*replicaMetrics, error) {
	m := &replicaMetrics{
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stemma_db_reads_total",
			Help: "Reads routed with read replicas configured, by service and target (primary, replica)."}, []string{"service", "target"}),
		bypass: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stemma_db_replica_bypass_total",
			Help: "Reads sent to the primary with read replicas configured, by why no replica served them (behind_token, lagging, down)."}, []string{"service", "reason"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "stemma_db_replica_lag_seconds",
			Help: "How far each read replica was behind the primary when last polled."}, []string{"service", "replica"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "stemma_db_replica_up",
			Help: "1 if the read replica answered its last poll as a standby, else 0."}, []string{"service", "replica"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.reads, err = registered(reg, m.reads); err != nil {
		return nil, err
	}
	if m.bypass, err = registered(reg, m.bypass); err != nil {
		return nil, err
	}
	if m.lag, err = registered(reg, m.lag); err != nil {
		return nil, err
	}
	if m.up, err = registered(reg, m.up); err != nil {
		return nil, err
	}
	return m, nil
}

// registered registers c, or returns the collector registered before it.
func registered[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("storage: metrics: %w", err)
	}
	return c, nil
}
