package stress

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ReadRouting is how the catalog and lineage replicas routed their reads,
// summed over the processes, from their stemma_db_* metrics.
type ReadRouting struct {
	// Replica and Primary count reads by where they went.
	Replica, Primary float64
	// Bypass counts the reads sent to the primary, by why no replica
	// served them (behind_token, lagging, down).
	Bypass map[string]float64
	// MaxLag is the largest replica lag a process last measured.
	MaxLag time.Duration
}

// Sub returns what was routed between before and r.
func (r ReadRouting) Sub(before ReadRouting) ReadRouting {
	d := ReadRouting{Replica: r.Replica - before.Replica, Primary: r.Primary - before.Primary,
		Bypass: map[string]float64{}, MaxLag: r.MaxLag}
	for k, v := range r.Bypass {
		d.Bypass[k] = v - before.Bypass[k]
	}
	return d
}

func (r ReadRouting) String() string {
	return fmt.Sprintf("reads: %.0f by the replica, %.0f by the primary (%.0f as the replica lagged, %.0f as it was down, %.0f behind a client's token)",
		r.Replica, r.Primary, r.Bypass["lagging"], r.Bypass["down"], r.Bypass["behind_token"])
}

// ReadRouting scrapes the read-routing metrics of every catalog and lineage
// process that is up; one that is down (killed by a fault) counts nothing.
func (c *Cluster) ReadRouting(ctx context.Context) ReadRouting {
	r := ReadRouting{Bypass: map[string]float64{}}
	for _, p := range append(c.Catalog[:len(c.Catalog):len(c.Catalog)], c.Lineage...) {
		families, err := scrape(ctx, "http://"+p.HTTPAddr+"/metrics")
		if err != nil {
			continue
		}
		for _, m := range families["stemma_db_reads_total"].GetMetric() {
			switch label(m.GetLabel(), "target") {
			case "replica":
				r.Replica += m.GetCounter().GetValue()
			case "primary":
				r.Primary += m.GetCounter().GetValue()
			}
		}
		for _, m := range families["stemma_db_replica_bypass_total"].GetMetric() {
			r.Bypass[label(m.GetLabel(), "reason")] += m.GetCounter().GetValue()
		}
		for _, m := range families["stemma_db_replica_lag_seconds"].GetMetric() {
			r.MaxLag = max(r.MaxLag, time.Duration(m.GetGauge().GetValue()*float64(time.Second)))
		}
	}
	return r
}

func scrape(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

func label(ls []*dto.LabelPair, name string) string {
	for _, l := range ls {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// CaughtUp waits until the read replica has replayed everything the
// primary had written when it was called, so that answers read after the
// load can be compared with the primary's store.
func (c *Cluster) CaughtUp(ctx context.Context) error {
	primary, err := pgx.Connect(ctx, c.Postgres.URL())
	if err != nil {
		return fmt.Errorf("primary: %w", err)
	}
	defer primary.Close(ctx)
	var want string
	if err := primary.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&want); err != nil {
		return fmt.Errorf("primary: %w", err)
	}
	replica, err := pgx.Connect(ctx, c.Replica.URL())
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	defer replica.Close(ctx)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		var done bool
		err := replica.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", want).Scan(&done)
		switch {
		case err != nil:
			return fmt.Errorf("replica: replayed up to %s: %w", want, err)
		case done:
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}
